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
	help, err := exec.Command(pakyasBin, "monitor", "--help").CombinedOutput()
	require.NoError(t, err, "%s", help)
	if !strings.Contains(string(help), "--external-config") {
		t.Skip("pakyas monitor does not run external targets yet (no --external-config)")
	}

	pluginDir := t.TempDir()
	// Built from its own module, as a third party builds it.
	jsonl := testutil.Binary(t, "./examples/jsonl-target", "pakyas-target-jsonl")
	testutil.InstallPlugin(t, jsonl, pluginDir, "pakyas-target-jsonl")

	events := filepath.Join(t.TempDir(), "events.jsonl")
	xdgConfig := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(xdgConfig, "pakyas"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(xdgConfig, "pakyas", "external_monitors.toml"),
		fmt.Appendf(nil, "[targets.jsonl]\npath = %q\n", events), 0o600))

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
	r = u.exec("plugin", "check", "jsonl", "--set", "path="+filepath.Join(t.TempDir(), "check.jsonl"))
	assert.Equal(t, 0, r.code, "%s", r)
	r = u.exec("plugin", "list")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Regexp(t, `jsonl\s+dev\s+1\s+no\s+all checks\s+`+regexp.QuoteMeta(filepath.Join(pluginDir, "pakyas-target-jsonl")), r.stdout)
}
