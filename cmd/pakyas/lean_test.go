//go:build unix

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/internal/testutil"
)

// TestLeanBinaryLinks: the pakyas that make builds links neither the
// server (SQLite, PostgreSQL, the dashboard's templates) nor the target
// plugin host (go-plugin, gRPC, protobuf): their package initialisers
// would run on every monitored job.
func TestLeanBinaryLinks(t *testing.T) {
	deps := linkedPackages(t, testutil.LeanTag)
	require.Contains(t, deps, "github.com/urfave/cli/v3")
	assertNotLinked(t, deps, "the lean pakyas", "google.golang.org/grpc", "google.golang.org/protobuf", "github.com/hashicorp/go-plugin",
		"modernc.org/", "github.com/jackc/pgx", "html/template", "encoding/gob",
		"github.com/pakyas/pakyas/core/server", "github.com/pakyas/pakyas/core/store", "github.com/pakyas/pakyas/core/external")
}

// TestHostBinaryLinks: pakyas-host, which runs the jobs that have external
// targets, links the plugin host but not the server.
func TestHostBinaryLinks(t *testing.T) {
	deps := linkedPackages(t, testutil.HostTag)
	require.Contains(t, deps, "github.com/hashicorp/go-plugin")
	require.Contains(t, deps, "github.com/pakyas/pakyas/core/external")
	assertNotLinked(t, deps, "pakyas-host", "modernc.org/", "github.com/jackc/pgx",
		"github.com/pakyas/pakyas/core/server", "github.com/pakyas/pakyas/core/store")
}

// linkedPackages lists the packages cmd/pakyas links when built with the
// release tags and tag.
func linkedPackages(t *testing.T, tag string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-tags", testutil.Tags+" "+tag, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.Fields(string(out))
}

// assertNotLinked fails for each of deps under one of the prefixes.
func assertNotLinked(t *testing.T, deps []string, executable string, prefixes ...string) {
	t.Helper()
	for _, p := range deps {
		for _, heavy := range prefixes {
			assert.False(t, strings.HasPrefix(p, heavy), "%s links %s", executable, p)
		}
	}
}

// TestLeanHandsOff: with external targets configured, the lean pakyas
// hands the run to pakyas-host in place (the same process: the job's
// parent is the process that was started), and the target gets the
// events; pakyas-full stands in for a missing pakyas-host; without either
// beside it or on PATH, the job still runs and Pakyas still gets the
// signals, with a warning, and `pakyas server` says what to install.
func TestLeanHandsOff(t *testing.T) {
	u, srv := loggedIn(t)
	ch := createCheck(t, srv, "lean")
	var mu sync.Mutex
	var hooks []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks = append(hooks, string(b))
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	pluginDir := t.TempDir()
	installPlugins(t, pluginDir, "webhook")
	require.NoError(t, os.MkdirAll(u.configDir(), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(u.configDir(), "external_monitors.toml"),
		[]byte("[targets.webhook]\nurl = \""+hook.URL+"\"\n"), 0o600))
	u = u.with("PAKYAS_PLUGIN_DIR", pluginDir)

	// With pakyas-host: one process, the target notified.
	// The job does not inherit the hand-off marker: a pakyas it runs
	// may hand off in turn.
	cmd := u.job("monitor", "lean", "--", "sh", "-c", `echo "parent $PPID marker ${PAKYAS_HANDED_OFF:-none}"; readlink /proc/$PPID/exe 2>/dev/null || true`)
	r := runJob(t, cmd)
	require.Equal(t, 0, r.code, "%s", r)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	assert.Equal(t, "parent "+strconv.Itoa(cmd.Process.Pid)+" marker none", lines[0])
	if runtime.GOOS == "linux" { // the process runs pakyas-host now
		require.Len(t, lines, 2, "%s", r)
		assert.Equal(t, "pakyas-host", filepath.Base(lines[1]))
	}
	mu.Lock()
	assert.Len(t, hooks, 2, "the webhook target got start and success: %q", hooks)
	mu.Unlock()
	assert.Equal(t, 2, len(checkNow(t, srv, ch.PublicID).Signals))

	// ping reads its message from stdin after the hand-off: pakyas-full
	// gets all of it.
	cmd = u.job("ping", "lean", "-m", "-")
	cmd.Stdin = strings.NewReader("rows: 42")
	r = runJob(t, cmd)
	require.Equal(t, 0, r.code, "%s", r)
	mu.Lock()
	require.Len(t, hooks, 3)
	assert.Contains(t, hooks[2], "rows: 42")
	mu.Unlock()
	assert.Equal(t, "rows: 42", checkNow(t, srv, ch.PublicID).Signals[0].Output)

	// A bad environment value is warned about once, by the lean pakyas,
	// not again by pakyas-full.
	r = runJob(t, u.with("PAKYAS_NO_EXTERNAL", "maybe").job("ping", "lean"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Equal(t, 1, strings.Count(r.stderr, `ignoring PAKYAS_NO_EXTERNAL="maybe"`), "%s", r.stderr)
	mu.Lock()
	assert.Len(t, hooks, 4, "handed off: the target got the ping")
	mu.Unlock()

	// The help of a command pakyas-full runs, and completion under it,
	// are pakyas-full's.
	for _, args := range [][]string{{"help", "server"}, {"h", "server"}, {"help", "-v", "server"}} {
		r = runJob(t, u.job(args...))
		require.Equal(t, 0, r.code, "%s", r)
		assert.Contains(t, r.stdout, "--database-url", "%q", args)
	}
	r = runJob(t, u.job("server", "--generate-shell-completion"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "init:")
	r = runJob(t, u.job("-v", "help", "plugin", "list"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "pakyas plugin list")

	// Alone: the job runs, Pakyas is told, the warning says what is missing.
	dir := t.TempDir()
	alone, full, host := filepath.Join(dir, "pakyas"), filepath.Join(dir, "pakyas-full"), filepath.Join(dir, "pakyas-host")
	copyFile(t, pakyasBin, alone)
	// runAs runs the executable at path, with nothing on PATH.
	runAs := func(path string, args ...string) result {
		cmd := u.job(args...)
		cmd.Path, cmd.Args[0] = path, path
		cmd.Env = append(cmd.Env, "PATH=/nonexistent")
		return runJob(t, cmd)
	}
	exe := func(args ...string) result { return runAs(alone, args...) }
	r = exe("monitor", "lean", "--", "/bin/sh", "-c", "echo ran")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Equal(t, "ran\n", r.stdout)
	assert.Contains(t, r.stderr, `pakyas: warning: External targets are configured for "lean", but neither pakyas-host nor pakyas-full is next to pakyas nor on PATH (install them: make install); this run notifies Pakyas only`)
	assert.Equal(t, 6, len(checkNow(t, srv, ch.PublicID).Signals))
	mu.Lock()
	assert.Len(t, hooks, 4, "no target without pakyas-host or pakyas-full")
	mu.Unlock()
	// -q: nothing of pakyas's own unless the run ends in exit 3.
	r = exe("monitor", "-q", "lean", "--", "/bin/sh", "-c", "echo ran")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Empty(t, r.stderr)
	// Its help is the lean one, which says where the rest is.
	r = exe("help", "server")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "see 'pakyas server --help'")

	// A lean build installed as pakyas-full is refused, not looped into.
	copyFile(t, pakyasBin, full)
	r = exe("ping", "lean")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stderr, "is not the complete pakyas (it handed the command back)")
	require.NoError(t, os.Remove(full))

	// pakyas-full stands in for a missing pakyas-host.
	copyFile(t, fullBin(), full)
	r = exe("ping", "lean")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Empty(t, r.stderr)
	mu.Lock()
	assert.Len(t, hooks, 5, "handed off to pakyas-full: the target got the ping")
	mu.Unlock()
	require.NoError(t, os.Remove(full))

	// pakyas-host hands the server's commands to pakyas-full, and says
	// so when it is missing.
	copyFile(t, filepath.Join(filepath.Dir(pakyasBin), "pakyas-host"), host)
	r = runAs(host, "server", "--dev")
	assert.Equal(t, 1, r.code, "%s", r)
	assert.Contains(t, r.stderr, "pakyas: pakyas server: pakyas-full is not next to pakyas nor on PATH")
	copyFile(t, fullBin(), full)
	r = runAs(host, "help", "server")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "--database-url")
	require.NoError(t, os.Remove(full))
	require.NoError(t, os.Remove(host))

	r = exe("server", "--dev")
	assert.Equal(t, 1, r.code, "%s", r)
	assert.Contains(t, r.stderr, "pakyas: pakyas server: pakyas-full is not next to pakyas nor on PATH")
	assert.Contains(t, r.stderr, "make install")
}
