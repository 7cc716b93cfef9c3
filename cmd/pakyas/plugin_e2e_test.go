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
