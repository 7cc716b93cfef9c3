//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/internal/testutil"
)

// testPlugins maps the plugins the tests install to their packages: the
// bundled ones and the broken ones of the conformance suite's testdata.
var testPlugins = map[string]string{
	"healthchecks": "./plugins/healthchecks",
	"cronitor":     "./plugins/cronitor",
	"webhook":      "./plugins/webhook",
	"badcookie":    "./core/target/targettest/testdata/badcookie",
	"stdout":       "./core/target/targettest/testdata/stdout",
	"v2only":       "./core/target/targettest/testdata/v2only",
	"panicsend":    "./core/target/targettest/testdata/panicsend",
}

// installPlugins builds the named plugins into dir as pakyas-target-<name>.
func installPlugins(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		testutil.InstallPlugin(t, testutil.Binary(t, testPlugins[n], "pakyas-target-"+n), dir, "pakyas-target-"+n)
	}
}

func TestPluginCheck(t *testing.T) {
	dir := t.TempDir()
	installPlugins(t, dir, "healthchecks", "cronitor", "webhook", "badcookie", "stdout", "v2only", "panicsend")
	u := newUser(t).with("PAKYAS_PLUGIN_DIR", dir)
	for _, tc := range []struct {
		name string
		code int
		want []string
	}{
		{"healthchecks", 0, []string{"PASS  handshake", "PASS  deadline", "All 9 checks passed."}},
		{"cronitor", 0, []string{"PASS  config-bad", "All 9 checks passed."}},
		{"webhook", 0, []string{"PASS  send-fail", "All 9 checks passed."}},
		{"badcookie", 1, []string{"FAIL  handshake", "without printing the handshake line", "target.Serve", "SKIP  describe"}},
		{"stdout", 1, []string{"FAIL  handshake", "must write nothing else to stdout (log to stderr)"}},
		{"v2only", 1, []string{"FAIL  handshake", "the plugin speaks protocol version 2; this pakyas speaks 1"}},
		{"panicsend", 1, []string{"PASS  config-good", "FAIL  send-start", "target panicked in Send", "must not crash"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := u.run("plugin", "check", tc.name)
			require.Equal(t, tc.code, r.code, "%s", r)
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
			if tc.code != 0 {
				assert.Contains(t, r.stderr, "pakyas: plugin "+tc.name+" failed")
				assert.Contains(t, r.stderr, "hint: fix the first FAIL above")
			}
		})
	}
}

func TestPluginCheckArguments(t *testing.T) {
	dir := t.TempDir()
	installPlugins(t, dir, "webhook")
	u := newUser(t).with("PAKYAS_PLUGIN_DIR", t.TempDir())
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"by path", []string{filepath.Join(dir, "pakyas-target-webhook")}, 0, "All 9 checks passed."},
		{"not installed", []string{"nosuch"}, exitNotFound, "no plugin pakyas-target-nosuch installed"},
		{"no such path", []string{"./nosuch/pakyas-target-x"}, exitNotFound, "no plugin at ./nosuch/pakyas-target-x"},
		{"no argument", nil, exitUsage, "want one plugin NAME or PATH"},
		{"bad --set", []string{"webhook", "--set", "url"}, exitUsage, "want KEY=VALUE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := u.run(append([]string{"plugin", "check"}, tc.args...)...)
			require.Equal(t, tc.code, r.code, "%s", r)
			assert.Contains(t, r.stdout+r.stderr, tc.want)
		})
	}
}

func TestPluginCheckWritable(t *testing.T) {
	dir := t.TempDir()
	installPlugins(t, dir, "webhook")
	bin := filepath.Join(dir, "pakyas-target-webhook")
	require.NoError(t, os.Chmod(bin, 0o777))
	r := newUser(t).with("PAKYAS_PLUGIN_DIR", dir).run("plugin", "check", "webhook")
	assert.Equal(t, 1, r.code, "%s", r)
	assert.Contains(t, r.stdout, "FAIL  permissions")
	assert.Contains(t, r.stdout, "chmod go-w "+bin)
}

// listed is one row of `pakyas plugin list --format json`.
type listed struct {
	Name            string   `json:"name"`
	Path            string   `json:"path"`
	Version         string   `json:"version"`
	ProtocolVersion int      `json:"protocol_version"`
	Bundled         bool     `json:"bundled"`
	Installed       bool     `json:"installed"`
	AppliesTo       []string `json:"applies_to"`
	Error           string   `json:"error"`
}

func TestPluginListAndInfo(t *testing.T) {
	// pakyas with healthchecks next to it (bundled), the others in
	// PAKYAS_PLUGIN_DIR.
	exeDir, pluginDir := t.TempDir(), t.TempDir()
	copyFile(t, pakyasBin, filepath.Join(exeDir, filepath.Base(pakyasBin)))
	copyFile(t, fullBin(), filepath.Join(exeDir, filepath.Base(fullBin()))) // what pakyas runs for `plugin`
	installPlugins(t, exeDir, "healthchecks")
	installPlugins(t, pluginDir, "webhook", "v2only")
	u := newUser(t).with("PAKYAS_PLUGIN_DIR", pluginDir)
	require.NoError(t, os.MkdirAll(u.configDir(), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(u.configDir(), "external_monitors.toml"), []byte(`
[targets.webhook]
url = "http://127.0.0.1:1/hook"

[targets.cronitor]
api_key = "k"

[checks."backup-db".targets.healthchecks]
uuid = "550e8400-e29b-41d4-a716-446655440000"

[checks."sync".targets.healthchecks]
uuid = "550e8400-e29b-41d4-a716-446655440001"
`), 0o600))
	bin := filepath.Join(exeDir, filepath.Base(pakyasBin))
	exe := func(args ...string) result { // pakyas run from exeDir
		cmd := u.job(args...)
		cmd.Path, cmd.Args[0] = bin, bin
		return runJob(t, cmd)
	}

	r := exe("plugin", "list", "--format", "json")
	require.Equal(t, 0, r.code, "%s", r)
	var rows []listed
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows), r.stdout)
	byName := map[string]listed{}
	for _, row := range rows {
		byName[row.Name] = row
	}
	require.Len(t, byName, 4, r.stdout)
	assert.Equal(t, listed{Name: "healthchecks", Path: filepath.Join(exeDir, "pakyas-target-healthchecks"), Version: "dev",
		ProtocolVersion: 1, Bundled: true, Installed: true, AppliesTo: []string{"backup-db", "sync"}}, byName["healthchecks"])
	assert.Equal(t, []string{"all checks"}, byName["webhook"].AppliesTo)
	assert.False(t, byName["webhook"].Bundled)
	assert.False(t, byName["cronitor"].Installed)
	assert.Contains(t, byName["cronitor"].Error, "no plugin pakyas-target-cronitor installed")
	assert.Contains(t, byName["v2only"].Error, "speaks protocol version 2; this pakyas speaks 1")

	r = exe("plugin", "list")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Regexp(t, `healthchecks\s+dev\s+1\s+yes\s+backup-db, sync\s+`, r.stdout)
	assert.Regexp(t, `cronitor\s+-\s+no\s+-\s+\(not installed\)`, r.stdout)
	assert.Contains(t, r.stderr, "pakyas: warning: plugin v2only: the plugin speaks protocol version 2")

	r = exe("plugin", "info", "healthchecks")
	require.Equal(t, 0, r.code, "%s", r)
	for _, w := range []string{"Version:     dev", "Protocol:    1", "Bundled:     yes", "Applies to:  backup-db, sync",
		`uuid      string  [checks."<key>".targets.healthchecks]  yes`, `[checks."backup-db".targets.healthchecks]`} {
		assert.Contains(t, r.stdout, w)
	}

	r = exe("plugin", "info", "v2only")
	assert.Equal(t, 1, r.code, "%s", r)
	assert.Contains(t, r.stderr, "pakyas: plugin v2only: the plugin speaks protocol version 2; this pakyas speaks 1")
	assert.Contains(t, r.stderr, "hint: 'pakyas plugin check v2only'")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

// TestPluginListBadConfig: a broken external_monitors.toml is reported,
// and the plugins are still listed.
func TestPluginListBadConfig(t *testing.T) {
	dir := t.TempDir()
	installPlugins(t, dir, "webhook")
	u := newUser(t).with("PAKYAS_PLUGIN_DIR", dir)
	require.NoError(t, os.MkdirAll(u.configDir(), 0o700))
	file := filepath.Join(u.configDir(), "external_monitors.toml")
	require.NoError(t, os.WriteFile(file, []byte("[targets.webhook]\nurl = \n"), 0o600))
	r := u.run("plugin", "list")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Regexp(t, `webhook\s+dev\s+1\s+no\s+-\s+`, r.stdout)
	assert.Contains(t, r.stderr, file)
	assert.Contains(t, r.stderr, "APPLIES TO column is empty")
}

// TestPluginTest: `pakyas plugin test NAME` sends one test event through
// the target as configured (exit 0, the receiver got it), exit 1 when the
// service refuses it, and says when the target does not apply.
func TestPluginTest(t *testing.T) {
	dir := t.TempDir()
	installPlugins(t, dir, "webhook", "healthchecks")
	ok200 := testutil.NewReceiver(t, http.StatusOK)
	down := testutil.NewReceiver(t, http.StatusInternalServerError)
	cfg := filepath.Join(t.TempDir(), "external_monitors.toml")
	write := func(url string) {
		require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf("[targets.webhook]\nurl = %q\n\n[targets.healthchecks]\nendpoint = %q\n\n[checks.\"backup-db\".targets.healthchecks]\nuuid = \"550e8400-e29b-41d4-a716-446655440000\"\n", url, ok200.URL)), 0o600))
	}
	u := newUser(t).with("PAKYAS_PLUGIN_DIR", dir)

	write(ok200.URL)
	out := ok(t, u.run("plugin", "test", "webhook", "--external-config", cfg))
	assert.Contains(t, out, `Delivered a test event for "plugin-test" through webhook`)
	reqs := ok200.Drain()
	require.Len(t, reqs, 1)
	assert.Contains(t, string(reqs[0].Body), "pakyas plugin test")

	out = ok(t, u.run("plugin", "test", "healthchecks", "--check", "backup-db", "--external-config", cfg))
	assert.Contains(t, out, "through healthchecks")
	reqs = ok200.Drain()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/550e8400-e29b-41d4-a716-446655440000", reqs[0].Path, "the check's own table")

	r := u.run("plugin", "test", "healthchecks", "--external-config", cfg)
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, "does not apply to check")
	assert.Contains(t, r.stderr, "--check")

	write(down.URL)
	r = u.run("plugin", "test", "webhook", "--external-config", cfg)
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, "did not take the test event")
	assert.Contains(t, r.stderr, "500")

	r = u.run("plugin", "test", "cronitor", "--external-config", cfg)
	assert.Equal(t, exitNotFound, r.code, "%s", r)
	assert.Contains(t, r.stderr, "no [targets.cronitor] table")
}

// TestPluginCheckUserConfig: after the conformance steps, `plugin check
// NAME` checks the user's configuration of the target: a wrong sha256 pin
// and a bad key in a check's table fail with file and line, a right one
// passes.
func TestPluginCheckUserConfig(t *testing.T) {
	dir := t.TempDir()
	installPlugins(t, dir, "healthchecks")
	cfg := filepath.Join(t.TempDir(), "external_monitors.toml")
	u := newUser(t).with("PAKYAS_PLUGIN_DIR", dir)
	write := func(doc string) {
		require.NoError(t, os.WriteFile(cfg, []byte(doc), 0o600))
	}
	run := func() result { return u.run("plugin", "check", "healthchecks", "--external-config", cfg) }

	write("[targets.healthchecks]\nendpoint = \"http://127.0.0.1:1\"\nsha256 = \"" + strings.Repeat("0", 64) + "\"\n")
	r := run()
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stdout, "All 9 checks passed.", "the plugin itself is fine")
	assert.Contains(t, r.stdout, "FAIL  your config:")
	assert.Contains(t, r.stdout, "sha256")

	write("[targets.healthchecks]\nendpoint = \"http://127.0.0.1:1\"\n\n[checks.\"backup-db\".targets.healthchecks]\nuid = \"x\"\n")
	r = run()
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stdout, `FAIL  your config: `+cfg+`:5:1: [checks."backup-db".targets.healthchecks] uid`)

	write("[targets.healthchecks]\nendpoint = \"http://127.0.0.1:1\"\n\n[checks.\"backup-db\".targets.healthchecks]\nuuid = \"550e8400-e29b-41d4-a716-446655440000\"\n")
	out := ok(t, run())
	assert.Contains(t, out, `PASS  your config: [checks."backup-db".targets.healthchecks] matches the plugin's schema`)
}
