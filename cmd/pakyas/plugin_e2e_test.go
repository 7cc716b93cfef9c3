//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/internal/testutil"
)

// jsonlEvent is a line the example plugin writes.
type jsonlEvent struct {
	CheckIdentifier string `json:"check_identifier"`
	EventType       string `json:"event_type"`
	ExitCode        *int   `json:"exit_code"`
	Host            string `json:"host"`
	Output          string `json:"output"`
	RunID           string `json:"run_id"`
}

func readEvents(t *testing.T, path string) []jsonlEvent {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []jsonlEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e jsonlEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), sc.Text())
		out = append(out, e)
	}
	require.NoError(t, sc.Err())
	return out
}

// TestExamplePluginEndToEnd is the way a third party ships a target: the
// example plugin is built from its own module (examples/jsonl-target, with
// a replace to this repository), installed into PAKYAS_PLUGIN_DIR and
// configured in external_monitors.toml; `pakyas monitor` then runs jobs
// against a real server and the plugin writes their events.
func TestExamplePluginEndToEnd(t *testing.T) {
	// Built from its own module, as a third party builds it.
	exampleTargetEndToEnd(t, "jsonl", testutil.Binary(t, "./examples/jsonl-target", "pakyas-target-jsonl"))
}

// TestPythonExamplePluginEndToEnd: the same for the Python target
// (examples/python-target), generated from the protocol files in proto/
// with Debian's protoc and run with Debian's python3-grpcio. It proves
// proto/ and docs/writing-a-target.md are enough to write a target in
// another language.
func TestPythonExamplePluginEndToEnd(t *testing.T) {
	out := t.TempDir()
	build := exec.Command(filepath.Join(testutil.RepoRoot(t), "examples", "python-target", "build.sh"), out)
	b, err := build.CombinedOutput()
	if err != nil && (strings.Contains(string(b), "is not installed") || strings.Contains(string(b), "cannot import")) {
		if os.Getenv("CI") != "" {
			t.Fatalf("examples/python-target/build.sh (make test installs its packages):\n%s", b)
		}
		t.Skipf("the Python example's tools are missing: %s", b)
	}
	require.NoError(t, err, "%s", b)
	exampleTargetEndToEnd(t, "pyjsonl", filepath.Join(out, "pakyas-target-pyjsonl"))
}

// exampleTargetEndToEnd installs the executable of a target that appends
// jsonlEvents to its [targets.NAME] path, monitors a succeeding and a
// failing job with it, and runs `pakyas plugin check` and `plugin list` on
// it.
func exampleTargetEndToEnd(t *testing.T, name, executable string) {
	help, err := exec.Command(pakyasBin, "monitor", "--help").CombinedOutput()
	require.NoError(t, err, "%s", help)
	if !strings.Contains(string(help), "--external-config") {
		t.Skip("pakyas monitor does not run external targets yet (no --external-config)")
	}

	pluginDir := t.TempDir()
	installed := testutil.InstallPlugin(t, executable, pluginDir, "pakyas-target-"+name)

	events := filepath.Join(t.TempDir(), "events.jsonl")
	xdgConfig := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(xdgConfig, "pakyas"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(xdgConfig, "pakyas", "external_monitors.toml"),
		fmt.Appendf(nil, "[targets.%s]\npath = %q\n", name, events), 0o600))

	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "nightly-export")
	u := newUser(t).with("XDG_CONFIG_HOME", xdgConfig, "XDG_STATE_HOME", t.TempDir(),
		"PAKYAS_API_URL", srv.URL, "PAKYAS_PLUGIN_DIR", pluginDir)

	r := runJob(t, u.job("monitor", "--public-id", ch.PublicID, "--", "true"))
	require.Equal(t, 0, r.code, "%s", r)
	r = runJob(t, u.job("monitor", "--public-id", ch.PublicID, "--", "sh", "-c", "echo disk full >&2; exit 4"))
	require.Equal(t, 4, r.code, "%s", r)

	got := readEvents(t, events)
	require.Len(t, got, 4)
	for i, want := range []struct {
		event string
		code  *int
	}{{"start", nil}, {"success", new(0)}, {"start", nil}, {"fail", new(4)}} {
		assert.Equal(t, ch.PublicID, got[i].CheckIdentifier, "line %d", i)
		assert.Equal(t, want.event, got[i].EventType, "line %d", i)
		assert.Equal(t, want.code, got[i].ExitCode, "line %d", i)
		assert.NotEmpty(t, got[i].RunID, "line %d", i)
	}
	assert.Equal(t, got[0].RunID, got[1].RunID, "a start and its finish share the run id")
	assert.NotEqual(t, got[1].RunID, got[2].RunID)
	assert.Contains(t, got[3].Output, "disk full")

	// The same binary passes the conformance steps and is listed.
	r = u.exec("plugin", "check", name, "--set", "path="+filepath.Join(t.TempDir(), "check.jsonl"))
	assert.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "All 9 checks passed.")
	r = u.exec("plugin", "list")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Regexp(t, regexp.QuoteMeta(name)+`\s+\S+\s+1\s+no\s+all checks\s+`+regexp.QuoteMeta(installed), r.stdout)
	assert.Eventually(t, func() bool { return len(testutil.ProcessesUnder(t, pluginDir)) == 0 }, 5*time.Second, 50*time.Millisecond,
		"no plugin process outlives pakyas")
}

// TestBrokenSettingsStillNotifyTargets: with config.toml unreadable (and no
// PAKYAS_API_URL) no signal can reach Pakyas, but the external targets
// still get every one; in migration mode one taking the finish makes the
// run exit with the job's code, with a warning, and a ping succeed.
func TestBrokenSettingsStillNotifyTargets(t *testing.T) {
	pluginDir := t.TempDir()
	testutil.InstallPlugin(t, testutil.Binary(t, "./examples/jsonl-target", "pakyas-target-jsonl"), pluginDir, "pakyas-target-jsonl")
	events := filepath.Join(t.TempDir(), "events.jsonl")
	external := filepath.Join(t.TempDir(), "external_monitors.toml")
	u := newUser(t).with("XDG_STATE_HOME", t.TempDir(), "PAKYAS_PLUGIN_DIR", pluginDir)
	require.NoError(t, os.MkdirAll(u.configDir(), 0o700))
	require.NoError(t, os.WriteFile(u.configFile(), []byte("api_url = [\n"), 0o600))
	const id = "550e8400-e29b-41d4-a716-446655440000"

	for _, migration := range []bool{false, true} {
		require.NoError(t, os.WriteFile(external, fmt.Appendf(nil, "migration_mode = %v\n[targets.jsonl]\npath = %q\n", migration, events), 0o600))
		r := runJob(t, u.job("monitor", "--external-config", external, "--public-id", id, "--", "sh", "-c", "exit 5"))
		assert.Contains(t, r.stderr, "config.toml", "%s", r)
		if migration {
			assert.Equal(t, 5, r.code, "the job's code: an external monitor took the finish\n%s", r)
			assert.Contains(t, r.stderr, "external monitor succeeded (migration mode)", "%s", r)
			assert.NotContains(t, r.stderr, `\n`, "the warning is one line")
		} else {
			assert.Equal(t, exitMonitoring, r.code, "%s", r)
		}
	}
	r := runJob(t, u.job("ping", "--external-config", external, "--public-id", id))
	assert.Equal(t, 0, r.code, "migration mode: the target took the ping\n%s", r)
	assert.Contains(t, r.stderr, "config.toml", "%s", r)

	got := readEvents(t, events)
	require.Len(t, got, 5, "start and finish of both runs, then the ping")
	for i, want := range []string{"start", "fail", "start", "fail", "success"} {
		assert.Equal(t, want, got[i].EventType, "line %d", i)
		assert.Equal(t, id, got[i].CheckIdentifier, "line %d", i)
	}
}
