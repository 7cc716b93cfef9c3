package external_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/internal/testutil"
)

// plugins maps a target name to the package its test plugin is built from.
var plugins = map[string]string{
	"webhook":      "./plugins/webhook",
	"healthchecks": "./plugins/healthchecks",
	"cronitor":     "./plugins/cronitor",
	"hang":         "./core/external/testdata/plugins/hang",
	"crash":        "./core/external/testdata/plugins/crash",
	"stdout":       "./core/external/testdata/plugins/stdout",
	"exit":         "./core/external/testdata/plugins/exit",
	"pager":        "./core/external/testdata/plugins/pager",
}

// install builds the named plugins and copies them into a fresh plugin
// directory of the test's own; it returns the directory.
func install(t testing.TB, names ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "plugins")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, n := range names {
		bin := testutil.Binary(t, plugins[n], external.Prefix+n)
		testutil.InstallPlugin(t, bin, dir, external.Prefix+n)
	}
	t.Cleanup(func() { noLeftovers(t, dir) })
	return dir
}

// noLeftovers waits until no process runs from dir.
func noLeftovers(t testing.TB, dir string) {
	t.Helper()
	require.Eventually(t, func() bool { return len(testutil.ProcessesUnder(t, dir)) == 0 },
		5*time.Second, 10*time.Millisecond, "plugin processes left running from %s", dir)
}

func load(t testing.TB, doc string) *config.External {
	t.Helper()
	path := filepath.Join(t.TempDir(), config.ExternalFileName)
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	cfg, err := config.LoadExternal(path, true)
	require.NoError(t, err)
	return cfg
}

// recorder is an httptest server that records requests.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []string // "METHOD /path?query body"
}

func newRecorder(t testing.TB, status int) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, fmt.Sprintf("%s %s %s", req.Method, req.URL.RequestURI(), b))
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs...)
}

func event(kind target.EventType) target.Event {
	e := target.Event{CheckIdentifier: "backup-db", Type: kind, RunID: "8b3f2c1e-0000-4000-8000-000000000001",
		Host: "server1", Timestamp: time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)}
	if kind != target.Start {
		e.ExitCode, e.Duration, e.Output = new(0), 1500*time.Millisecond, "done"
	}
	return e
}

func TestHostDelivers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix sockets")
	}
	dir := install(t, "webhook", "healthchecks", "cronitor")
	hc, hook, cron := newRecorder(t, 200), newRecorder(t, 200), newRecorder(t, 200)
	cfg := load(t, fmt.Sprintf(`
[targets.healthchecks]
endpoint = %q
[targets.webhook]
url = %q
[targets.cronitor]
api_key = "k"
endpoint = %q
[checks."backup-db".targets.healthchecks]
uuid = "550e8400-e29b-41d4-a716-446655440000"
[checks."other".targets.cronitor]
monitor_key = "other"
`, hc.URL, hook.URL, cron.URL))
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the Host puts its plugins' sockets
	var log bytes.Buffer
	h := external.Start(context.Background(), external.Options{Config: cfg, Key: "backup-db",
		Dirs: []external.Dir{{Path: dir, Source: external.SourceEnv}}, Timeout: 5 * time.Second, Verbose: true, Log: &log})
	defer h.Close()
	assert.Equal(t, 3, h.Targets(), "cronitor, with tables for other checks only, is launched to read its schema")

	for _, kind := range []target.EventType{target.Start, target.Success} {
		res := h.Send(context.Background(), event(kind))
		require.Len(t, res, 2)
		for _, r := range res {
			assert.NoError(t, r.Err, r.Target)
		}
		assert.Equal(t, "healthchecks", res[0].Target)
		assert.Equal(t, "webhook", res[1].Target)
	}
	// One socket directory for all of the Host's plugins, 0700, removed
	// by Close.
	dirs, err := filepath.Glob(filepath.Join(tmp, "pakyas-plugin-*"))
	require.NoError(t, err)
	require.Len(t, dirs, 1, "one socket directory")
	fi, err := os.Stat(dirs[0])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	socks, err := os.ReadDir(dirs[0])
	require.NoError(t, err)
	assert.Len(t, socks, 2, "the sockets of the two plugins that apply")
	h.Close()
	_, err = os.Stat(dirs[0])
	assert.True(t, os.IsNotExist(err), "Close removes the socket directory")
	assert.Equal(t, []string{
		"POST /550e8400-e29b-41d4-a716-446655440000/start?rid=8b3f2c1e-0000-4000-8000-000000000001 ",
		"POST /550e8400-e29b-41d4-a716-446655440000?rid=8b3f2c1e-0000-4000-8000-000000000001 done",
	}, hc.requests())
	require.Len(t, hook.requests(), 2)
	var payload map[string]any
	_, body, _ := strings.Cut(strings.SplitN(hook.requests()[1], " ", 3)[2], "")
	require.NoError(t, json.Unmarshal([]byte(body), &payload))
	assert.Equal(t, "backup-db", payload["check_identifier"])
	assert.Equal(t, "success", payload["event_type"])
	assert.Empty(t, cron.requests())

	out := log.String()
	assert.Contains(t, out, "config file "+cfg.Path)
	assert.Contains(t, out, "config key: backup-db")
	assert.Contains(t, out, `External target healthchecks: applies ([checks."backup-db".targets.healthchecks], line 9)`)
	assert.Contains(t, out, "External target webhook: applies to every check")
	assert.Contains(t, out, `External target cronitor: skipped, it needs monitor_key in [checks."backup-db".targets.cronitor]`)
	assert.Regexp(t, `External target healthchecks: success delivered in \S+ \(HTTP 200 OK\)`, out)
}

func TestHostSkipsTargetsNeedingPerCheckKeys(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix sockets")
	}
	dir := install(t, "healthchecks")
	cfg := load(t, "[targets.healthchecks]\nendpoint = \"http://127.0.0.1:1\"\n")
	var log bytes.Buffer
	h := external.Start(context.Background(), external.Options{Config: cfg, Key: "backup-db",
		Dirs: []external.Dir{{Path: dir}}, Verbose: true, Log: &log})
	defer h.Close()
	assert.Empty(t, h.Send(context.Background(), event(target.Start)))
	assert.Contains(t, log.String(), `External target healthchecks: skipped, it needs uuid in [checks."backup-db".targets.healthchecks]`)
}

// TestHostOptionalPerCheckKey: a target whose per-check keys are all
// optional applies to every check; another check's table for it only
// overrides a key for that check (issue: it used to switch the target off
// for every check without a table).
func TestHostOptionalPerCheckKey(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix sockets")
	}
	dir := install(t, "pager")
	cfg := load(t, "[targets.pager]\nurl = \"http://127.0.0.1:1\"\n\n[checks.\"backup-db\".targets.pager]\nseverity = \"high\"\n")
	for key, want := range map[string]string{"backup-db": "paged (severity high)", "other-job": "paged (severity low)"} {
		var log bytes.Buffer
		h := external.Start(context.Background(), external.Options{Config: cfg, Key: key,
			Dirs: []external.Dir{{Path: dir}}, Verbose: true, Log: &log})
		res := h.Send(context.Background(), event(target.Start))
		h.Close()
		require.Len(t, res, 1, "%s: %s", key, log.String())
		require.NoError(t, res[0].Err, key)
		assert.Equal(t, want, res[0].Message, key)
	}
}

func TestHostMisbehavingPlugins(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix sockets")
	}
	tests := []struct {
		name    string
		plugin  string
		install bool
		want    string
	}{
		{"hangs in send", "hang", true, "plugin did not answer in time"},
		{"crashes in send", "crash", true, "send:"},
		{"prints to stdout", "stdout", true, "hello from a plugin that should not print here"},
		{"exits at once", "exit", true, "start plugin"},
		{"not installed", "webhook", false, "no plugin pakyas-target-webhook installed"},
	}
	const timeout = 700 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dir string
			if tt.install {
				dir = install(t, tt.plugin)
			} else {
				dir = install(t)
			}
			cfg := load(t, fmt.Sprintf("[targets.%s]\n", tt.plugin))
			if tt.plugin == "webhook" {
				cfg = load(t, "[targets.webhook]\nurl = \"http://127.0.0.1:1\"\n")
			}
			var log bytes.Buffer
			h := external.Start(context.Background(), external.Options{Config: cfg, Key: "backup-db",
				Dirs: []external.Dir{{Path: dir}}, Timeout: timeout, Log: &log})
			t0 := time.Now()
			res := h.Send(context.Background(), event(target.Start))
			h.Close()
			elapsed := time.Since(t0)
			require.Len(t, res, 1)
			require.Error(t, res[0].Err)
			assert.Contains(t, res[0].Err.Error(), tt.want)
			assert.Less(t, elapsed, timeout+time.Second, "a misbehaving plugin costs at most the timeout")
			assert.NotContains(t, res[0].Err.Error(), "\n", "one line")
			assert.NotContains(t, res[0].Err.Error(), "dynamic-link", "go-plugin's generic guess is replaced by what to fix")
			if tt.install {
				assert.Contains(t, log.String(), "pakyas: warning: external target "+tt.plugin+": start not delivered")
			} else {
				assert.Contains(t, log.String(), ":1:1: [targets."+tt.plugin+"]: no plugin pakyas-target-"+tt.plugin+" installed")
			}
			noLeftovers(t, dir)
		})
	}
}

func TestHostConfigErrors(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix sockets")
	}
	dir := install(t, "webhook", "healthchecks", "cronitor")
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"unknown key", "[targets.webhook]\nurl = \"http://127.0.0.1:1\"\nurll = \"x\"\n",
			[]string{":3:1: [targets.webhook] urll: unknown key; global keys: url, headers, secret"}},
		{"wrong type", "[targets.webhook]\nurl = 5\n",
			[]string{":2:1: [targets.webhook] url: must be a string, not an integer"}},
		{"missing required global key", "[targets.cronitor]\nendpoint = \"http://127.0.0.1:1\"\n[checks.\"backup-db\".targets.cronitor]\nmonitor_key = \"m\"\n",
			[]string{":1:1: [targets.cronitor] api_key: required but not set"}},
		{"missing required global table", "[checks.\"backup-db\".targets.cronitor]\nmonitor_key = \"m\"\n",
			[]string{":1:1: [targets.cronitor] api_key: required but not set"}},
		{"per-check key in the global table", "[targets.healthchecks]\nuuid = \"x\"\n[checks.\"backup-db\".targets.healthchecks]\nuuid = \"550e8400-e29b-41d4-a716-446655440000\"\n",
			[]string{`:2:1: [targets.healthchecks] uuid: is a per-check key: move it to the check's table [checks."backup-db".targets.healthchecks]`}},
		{"plugin rejects a value", "[checks.\"backup-db\".targets.healthchecks]\nuuid = \"nope\"\n",
			[]string{`:2:1: [checks."backup-db".targets.healthchecks] uuid: "nope" is not a UUID`}},
		{"an unknown key and a missing required key", "[targets.healthchecks]\nendpoint = \"http://127.0.0.1:1\"\n[checks.\"backup-db\".targets.healthchecks]\nuid = \"550e8400-e29b-41d4-a716-446655440000\"\n",
			[]string{`:4:1: [checks."backup-db".targets.healthchecks] uid: unknown key`, `:3:1: [checks."backup-db".targets.healthchecks] uuid: required but not set`}},
		{"no plugin installed", "\n[targets.pagerduty]\nkey = \"x\"\n",
			[]string{":2:1: [targets.pagerduty]: no plugin pakyas-target-pagerduty installed: put the executable in " + dir, "or remove [targets.pagerduty]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := load(t, tt.doc)
			var log bytes.Buffer
			h := external.Start(context.Background(), external.Options{Config: cfg, Key: "backup-db",
				Dirs: []external.Dir{{Path: dir}}, Timeout: 5 * time.Second, Log: &log})
			res := h.Send(context.Background(), event(target.Start))
			h.Close()
			require.Len(t, res, 1)
			require.Error(t, res[0].Err)
			assert.Contains(t, res[0].Err.Error(), cfg.Path+tt.want[0], "the error names the file and line")
			for _, w := range tt.want {
				assert.Contains(t, res[0].Err.Error(), w)
				assert.Contains(t, log.String(), w, "configuration errors are printed")
			}
			// One "[pakyas] file:line: ..." line per error, as
			// docs/targets.md shows them.
			lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
			for _, line := range lines {
				assert.NotContains(t, line, `\n`, "no escaped newline")
			}
			var errs int
			for _, w := range tt.want {
				if strings.HasPrefix(w, ":") { // file:line: starts an error
					errs++
					assert.True(t, slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "[pakyas] "+cfg.Path+w) }),
						"%q starts a line of its own:\n%s", w, log.String())
				}
			}
			assert.Len(t, lines, errs, log.String())
		})
	}
}

func TestHostChecksumPinAndPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permissions")
	}
	hook := newRecorder(t, 200)
	tests := []struct {
		name   string
		pin    func(sum string) string
		mode   os.FileMode
		wantOK bool
		want   string
	}{
		{"matching pin", func(sum string) string { return strings.ToUpper(sum) }, 0o755, true, ""},
		{"no pin", func(string) string { return "" }, 0o755, true, ""},
		{"wrong pin", func(string) string { return strings.Repeat("0", 64) }, 0o755, false, "does not match its sha256 pin: its SHA-256 is "},
		{"malformed pin", func(string) string { return "abc" }, 0o755, false, "sha256: must be the plugin's SHA-256 in hex"},
		{"group-writable", func(string) string { return "" }, 0o775, false, "is writable by other users; fix it with: chmod go-w "},
		{"world-writable", func(string) string { return "" }, 0o757, false, "is writable by other users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := install(t, "webhook")
			bin := filepath.Join(dir, external.Prefix+"webhook")
			require.NoError(t, os.Chmod(bin, tt.mode))
			sum, err := external.FileSHA256(bin)
			require.NoError(t, err)
			doc := fmt.Sprintf("[targets.webhook]\nurl = %q\n", hook.URL)
			if p := tt.pin(sum); p != "" {
				doc += fmt.Sprintf("sha256 = %q\n", p)
			}
			cfg := load(t, doc)
			h := external.Start(context.Background(), external.Options{Config: cfg, Key: "backup-db",
				Dirs: []external.Dir{{Path: dir}}, Timeout: 5 * time.Second})
			res := h.Send(context.Background(), event(target.Start))
			h.Close()
			require.Len(t, res, 1)
			if tt.wantOK {
				assert.NoError(t, res[0].Err, "the host strips sha256 before the plugin sees its table")
				return
			}
			require.Error(t, res[0].Err)
			assert.Contains(t, res[0].Err.Error(), tt.want)
		})
	}
}

func TestHostWithoutConfig(t *testing.T) {
	for _, cfg := range []*config.External{nil, {Path: "/nonexistent"}} {
		h := external.Start(context.Background(), external.Options{Config: cfg, Key: "x"})
		assert.Zero(t, h.Targets())
		assert.Empty(t, h.Send(context.Background(), event(target.Start)))
		h.Close()
		h.Close()
	}
}

// TestHostRelease: Release, what ping and monitor call before they exit,
// asks each plugin to shut down without waiting for it to exit: a plugin
// that answers exits by itself (this test process does not exit, so no
// parent-death signal does it), one that hung is killed.
func TestHostRelease(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts processes through /proc")
	}
	dir := install(t, "webhook", "hang")
	hook := newRecorder(t, 200)
	cfg := load(t, fmt.Sprintf("[targets.webhook]\nurl = %q\n[targets.hang]\n", hook.URL))
	h := external.Start(context.Background(), external.Options{Config: cfg, Key: "backup-db",
		Dirs: []external.Dir{{Path: dir, Source: external.SourceEnv}}, Timeout: 700 * time.Millisecond})
	res := h.Send(context.Background(), event(target.Success))
	require.Len(t, res, 2)
	byName := map[string]error{}
	for _, r := range res {
		byName[r.Target] = r.Err
	}
	assert.NoError(t, byName["webhook"])
	assert.Error(t, byName["hang"])
	require.Len(t, testutil.ProcessesUnder(t, dir), 2, "both plugins run")
	h.Release()
	h.Release() // idempotent, and Close after it too
	h.Close()
	noLeftovers(t, dir)
	assert.Len(t, hook.requests(), 1)
}
