//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

// job runs the built pakyas as the user, with stdio of the caller's
// choosing (nil: /dev/null).
func (u *user) job(args ...string) *exec.Cmd {
	cmd := exec.Command(pakyasBin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range u.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// runJob runs cmd to its end and returns its stdout, stderr and exit code.
func runJob(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "run pakyas: %v", err)
		code = ee.ExitCode()
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// checkNow returns the check with its signals, newest first.
func checkNow(t *testing.T, srv *testutil.Server, id string) *api.Check {
	t.Helper()
	ch, err := srv.Client(srv.Key).Check(context.Background(), id)
	require.NoError(t, err)
	return ch
}

// TestMonitorExitCodes: exit 0 → up and exit 0; exit 2 → failed and
// exit 2, with the stderr tail; a job exiting 3 itself is told apart from
// a monitoring failure on stderr.
func TestMonitorExitCodes(t *testing.T) {
	u, srv := loggedIn(t)
	ch := createCheck(t, srv, "nightly-backup")

	r := runJob(t, u.job("monitor", ch.Slug, "--", "sh", "-c", "echo Backing up database...; echo warn >&2"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Equal(t, "Backing up database...\n", r.stdout)
	assert.Regexp(t, `^\[pakyas\] Start signal sent\nwarn\n\[pakyas\] Finish signal sent \(exit: 0, \d+\.\ds\)\n$`, r.stderr)
	got := checkNow(t, srv, ch.ID)
	assert.Equal(t, "up", got.Status)
	require.GreaterOrEqual(t, len(got.Signals), 2)
	fin, start := got.Signals[0], got.Signals[1]
	assert.Equal(t, "start", start.Kind)
	assert.Equal(t, "success", fin.Kind)
	require.NotNil(t, fin.ExitCode)
	assert.Equal(t, 0, *fin.ExitCode)
	assert.NotEmpty(t, fin.RunID)
	assert.Equal(t, start.RunID, fin.RunID, "one run id on start and finish")
	host, _ := os.Hostname()
	assert.Equal(t, host, fin.Host)
	assert.Equal(t, "warn\n", fin.Output, "the stderr tail")
	assert.False(t, fin.DeliveredLate)

	r = runJob(t, u.job("monitor", ch.Slug, "--", "sh", "-c", "echo disk full >&2; exit 2"))
	assert.Equal(t, 2, r.code, "%s", r)
	got = checkNow(t, srv, ch.ID)
	assert.Equal(t, "failed", got.Status)
	require.NotNil(t, got.Signals[0].ExitCode)
	assert.Equal(t, 2, *got.Signals[0].ExitCode)
	assert.Equal(t, "disk full\n", got.Signals[0].Output)

	// The job's own 3: the finish line says so, -v spells it out.
	r = runJob(t, u.job("-v", "monitor", ch.Slug, "--", "sh", "-c", "exit 3"))
	assert.Equal(t, 3, r.code)
	assert.Contains(t, r.stderr, "[pakyas] Finish signal sent (exit: 3,")
	assert.Contains(t, r.stderr, "exit code 3 is the job's own, not a monitoring failure")
	assert.Contains(t, r.stderr, "[pakyas] Check: public ID "+ch.PublicID+` (slug "nightly-backup", from the cache)`)
	assert.Contains(t, r.stderr, "[pakyas] Server: "+srv.URL)
	assert.Contains(t, r.stderr, "start signal delivered in ")
	assert.NotContains(t, r.stderr, "monitoring failure,")

	// -q: nothing of pakyas's own.
	r = runJob(t, u.job("monitor", "-q", ch.Slug, "--", "true"))
	assert.Equal(t, 0, r.code)
	assert.Empty(t, r.stderr)
}

// TestMonitorPublicIDNoConfig: --public-id (and $PAKYAS_PUBLIC_ID) need
// no API key and no config file, and leave none behind.
func TestMonitorPublicIDNoConfig(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "ci-deploy")
	u := newUser(t)
	xdgConfig, xdgState := t.TempDir(), t.TempDir()
	u = u.with("XDG_CONFIG_HOME", xdgConfig, "XDG_STATE_HOME", xdgState, "PAKYAS_API_URL", srv.URL)

	r := runJob(t, u.job("monitor", "--public-id", ch.PublicID, "--", "true"))
	require.Equal(t, 0, r.code, "%s", r)
	r = runJob(t, u.with("PAKYAS_PUBLIC_ID", ch.PublicID).job("monitor", "--public_id", "", "--", "sh", "-c", "exit 2"))
	require.Equal(t, 2, r.code, "%s", r)
	got := checkNow(t, srv, ch.ID)
	assert.Equal(t, "failed", got.Status)
	assert.Len(t, got.Signals, 4)
	for _, dir := range []string{u.home, xdgConfig, xdgState} {
		des, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, des, "nothing written to %s", dir)
	}
}

// TestMonitorSpoolReplay: with the server down the run exits 3 and its
// signals wait in the spool; once the server is back the next run
// delivers them, and the server records them at the time they happened,
// marked as delivered late. `pakyas spool flush` does the same on demand.
func TestMonitorSpoolReplay(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "nightly-backup")
	// An address where nothing listens yet: the server is "stopped".
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	u := newUser(t).with("PAKYAS_API_URL", addr, "PAKYAS_RETRY_WAIT", "1ms")
	spoolDir := filepath.Join(u.home, ".local", "state", "pakyas", "spool")
	before := time.Now()
	r := runJob(t, u.job("monitor", "-q", "--public-id", ch.PublicID, "--", "sh", "-c", "echo partial >&2; exit 0"))
	after := time.Now()
	require.Equal(t, 3, r.code, "%s", r)
	assert.Contains(t, r.stderr, "[pakyas] Finish signal NOT delivered after 4 attempts")
	assert.Contains(t, r.stderr, "connection refused")
	assert.Contains(t, r.stderr, "[pakyas] Exit 3: monitoring failure, Pakyas did not get the finish signal (the job itself exited 0)")
	assert.NotContains(t, r.stderr, "start signal", "-q silences the start warning")
	files, err := filepath.Glob(filepath.Join(spoolDir, "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 2, "start and finish wait in the spool")

	var list struct {
		Pending []struct {
			At     time.Time `json:"at"`
			Signal string    `json:"signal"`
			RID    string    `json:"rid"`
		} `json:"pending"`
	}
	r = u.exec("spool", "list", "--format", "json")
	require.Equal(t, 0, r.code, "%s", r)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	require.Len(t, list.Pending, 2)
	assert.Equal(t, "start", list.Pending[0].Signal)
	assert.Equal(t, "success (exit 0)", list.Pending[1].Signal)
	for _, p := range list.Pending {
		assert.False(t, p.At.Before(before) || p.At.After(after), "spooled with the time it happened: %s", p.At)
	}

	// The server comes back at the same address, ten minutes later.
	srv.Clock.Set(time.Now().Add(10 * time.Minute))
	ln, err = net.Listen("tcp", strings.TrimPrefix(addr, "http://"))
	require.NoError(t, err)
	hs := &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })

	// The next run delivers its own signals, then the spool.
	r = runJob(t, u.job("monitor", "--public-id", ch.PublicID, "--", "true"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stderr, "[pakyas] Delivered 2 signal(s) from the spool")
	files, err = filepath.Glob(filepath.Join(spoolDir, "*.json"))
	require.NoError(t, err)
	assert.Empty(t, files, "removed once acknowledged")

	got := checkNow(t, srv, ch.ID)
	assert.Equal(t, "up", got.Status)
	var late []api.Signal
	for _, s := range got.Signals {
		if s.RunID == list.Pending[0].RID {
			late = append(late, s)
		}
	}
	require.Len(t, late, 2, "%+v", got.Signals)
	for i, s := range []api.Signal{late[1], late[0]} { // newest first
		assert.True(t, s.At.Equal(list.Pending[i].At), "recorded at the time it happened: %s, spooled %s", s.At, list.Pending[i].At)
		assert.True(t, s.DeliveredLate, "marked as delivered late")
	}
	assert.Equal(t, "partial\n", late[0].Output)

	// Again down, then `pakyas spool flush`.
	require.NoError(t, hs.Close())
	r = runJob(t, u.job("monitor", "-q", "--public-id", ch.PublicID, "--", "sh", "-c", "exit 2"))
	require.Equal(t, 3, r.code, "%s", r)
	r = u.exec("spool", "flush")
	assert.Equal(t, 3, r.code, "still down: %s", r)
	assert.Contains(t, r.stderr, "2 signal(s) are still in the spool")

	ln, err = net.Listen("tcp", strings.TrimPrefix(addr, "http://"))
	require.NoError(t, err)
	hs = &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	r = u.exec("spool", "flush")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "Delivered 2 signal(s) from the spool.")
	got = checkNow(t, srv, ch.ID)
	// The late failure happened before the live success of the second
	// run (the server's clock is ten minutes ahead): it goes on the
	// timeline at its time and leaves the status alone.
	assert.Equal(t, "up", got.Status)
	var fail *api.Signal
	for i := range got.Signals {
		if got.Signals[i].ExitCode != nil && *got.Signals[i].ExitCode == 2 {
			fail = &got.Signals[i]
		}
	}
	require.NotNil(t, fail, "%+v", got.Signals)
	assert.True(t, fail.DeliveredLate)
}

// TestMonitorSpoolRejected: a spooled signal the server refuses for good
// is moved aside with a warning, not retried forever.
func TestMonitorSpoolRejected(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "gone")
	u := newUser(t).with("PAKYAS_API_URL", srv.URL)
	spoolDir := filepath.Join(u.home, ".local", "state", "pakyas", "spool")
	require.NoError(t, os.MkdirAll(spoolDir, 0o700))
	body := `{"version":1,"api_url":"` + srv.URL + `","check":"old","public_id":"00000000-0000-4000-8000-000000000000","kind":"start","at":"` + time.Now().UTC().Format(time.RFC3339Nano) + `","saved_at":"2025-01-06T10:00:00Z"}`
	require.NoError(t, os.WriteFile(filepath.Join(spoolDir, "00000000000000000001-aaaaaaaaaaaa.json"), []byte(body), 0o600))
	srv.Clock.Set(time.Now())

	r := u.exec("ping", "--public-id", ch.PublicID)
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stderr, "pakyas: warning: the server refused a spooled start signal of old (it happened at ")
	assert.FileExists(t, filepath.Join(spoolDir, "rejected", "00000000000000000001-aaaaaaaaaaaa.json"))
	r = u.exec("spool", "list")
	assert.Contains(t, r.stdout, "Refused by the server, not retried")
	assert.Contains(t, r.stdout, "404")
}

// TestMonitorSIGTERM: SIGTERM sent to pakyas reaches the job, which
// cleans up; the run is recorded as failed with 143.
func TestMonitorSIGTERM(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "long-job")
	u := newUser(t).with("PAKYAS_API_URL", srv.URL)
	dir := t.TempDir()
	ready, cleaned := filepath.Join(dir, "ready"), filepath.Join(dir, "cleaned")
	script := `trap 'echo cleaned > ` + cleaned + `; trap - TERM; kill -TERM $$' TERM
touch ` + ready + `
while :; do sleep 0.05; done`
	cmd := u.job("monitor", "--public-id", ch.PublicID, "--", "sh", "-c", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { _, err := os.Stat(ready); return err == nil }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	assert.Equal(t, 143, ee.ExitCode(), "stderr: %s", stderr.String())
	assert.FileExists(t, cleaned, "the job's trap ran")
	assert.Contains(t, stderr.String(), "[pakyas] Finish signal sent (exit: 143,")
	got := checkNow(t, srv, ch.ID)
	assert.Equal(t, "failed", got.Status)
	require.NotNil(t, got.Signals[0].ExitCode)
	assert.Equal(t, 143, *got.Signals[0].ExitCode)
}

// TestMonitorBigOutput: a job printing 100 MB keeps only the tail, and
// pakyas stays under 30 MB of memory.
func TestMonitorBigOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("prints 100 MB")
	}
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "noisy")
	u := newUser(t).with("PAKYAS_API_URL", srv.URL)
	for _, capture := range []string{"stderr", "both"} {
		t.Run(capture, func(t *testing.T) {
			// The job waits on stdin once it has printed everything, so
			// pakyas's peak memory can be read while it still runs.
			done := filepath.Join(t.TempDir(), "done")
			cmd := u.job("monitor", "--capture", capture, "--public-id", ch.PublicID, "--", "sh", "-c",
				`head -c 104857600 /dev/zero >&2; head -c 104857600 /dev/zero; printf THE-END >&2; touch `+done+`; read x; exit 0`)
			devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			require.NoError(t, err)
			defer devnull.Close()
			cmd.Stdout, cmd.Stderr = devnull, devnull
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			require.Eventually(t, func() bool { _, err := os.Stat(done); return err == nil }, time.Minute, 10*time.Millisecond)
			rss := peakRSS(t, cmd.Process.Pid)
			require.NoError(t, stdin.Close())
			require.NoError(t, cmd.Wait())
			t.Logf("pakyas peak RSS with --capture %s while the job printed 200 MB: %.1f MB", capture, float64(rss)/(1<<20))
			assert.Less(t, rss, int64(30<<20))
			got := checkNow(t, srv, ch.ID)
			out := got.Signals[0].Output
			assert.Len(t, out, 4096)
			if capture == "both" {
				return // two pipes: their order in the tail is the scheduler's
			}
			assert.True(t, strings.HasSuffix(out, "THE-END"))
		})
	}
}

// TestMonitorCommandNotFound: 127 and a failure signal with the reason,
// as a shell would.
func TestMonitorCommandNotFound(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "typo")
	u := newUser(t).with("PAKYAS_API_URL", srv.URL)
	r := runJob(t, u.job("monitor", "--public-id", ch.PublicID, "--", "pakyas-no-such-command", "--flag"))
	assert.Equal(t, 127, r.code, "%s", r)
	assert.Contains(t, r.stderr, `[pakyas] Cannot run "pakyas-no-such-command": command not found (exit 127)`)
	got := checkNow(t, srv, ch.ID)
	assert.Equal(t, "failed", got.Status)
	require.Len(t, got.Signals, 1, "a failure, no start")
	require.NotNil(t, got.Signals[0].ExitCode)
	assert.Equal(t, 127, *got.Signals[0].ExitCode)
	assert.Contains(t, got.Signals[0].Output, "command not found")

	noexec := filepath.Join(t.TempDir(), "job.sh")
	require.NoError(t, os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644))
	r = runJob(t, u.job("monitor", "--public-id", ch.PublicID, "--", noexec))
	assert.Equal(t, 126, r.code, "%s", r)
	assert.Contains(t, r.stderr, "permission denied")
}

// TestMonitorPassthrough: the job's stdin and stdout pass through byte
// for byte.
func TestMonitorPassthrough(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "cat")
	u := newUser(t).with("PAKYAS_API_URL", srv.URL)
	in := make([]byte, 256*1024)
	for i := range in {
		in[i] = byte(i * 7)
	}
	cmd := u.job("monitor", "-q", "--public-id", ch.PublicID, "--", "cat")
	cmd.Stdin = bytes.NewReader(in)
	r := runJob(t, cmd)
	require.Equal(t, 0, r.code, "%s", r)
	assert.Equal(t, in, []byte(r.stdout))
}

// TestMonitorUsage: mistakes in how monitor is called exit 2 and run
// nothing.
func TestMonitorUsage(t *testing.T) {
	u := newUser(t)
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"monitor", "backup", "true"}, "put the job's command after --"},
		{[]string{"monitor", "backup", "--"}, "missing the job's command after --"},
		{[]string{"monitor", "a", "b", "--", "true"}, "too many arguments before --"},
		{[]string{"monitor", "--", "true"}, "which check?"},
		{[]string{"monitor", "--public-id", "nope", "--", "true"}, "invalid public ID"},
		{[]string{"monitor", "--capture", "all", "x", "--", "true"}, "--capture"},
		{[]string{"monitor", "--output-limit", "1MiB", "x", "--", "true"}, "more than the server keeps"},
		{[]string{"monitor", "--output-limit", "lots", "x", "--", "true"}, "--output-limit"},
	} {
		r := u.run(tt.args...)
		assert.Equal(t, exitUsage, r.code, "%v: %s", tt.args, r)
		assert.Contains(t, r.stderr, tt.msg, "%v", tt.args)
	}
}

// TestMonitorUnresolved: a check that cannot be resolved does not stop
// the job; the run exits 3.
func TestMonitorUnresolved(t *testing.T) {
	u := newUser(t)
	marker := filepath.Join(t.TempDir(), "ran")
	r := u.run("monitor", "backup", "--", "touch", marker)
	assert.Equal(t, exitMonitoring, r.code, "%s", r)
	assert.FileExists(t, marker, "the job ran")
	assert.Contains(t, r.stderr, "pakyas: Not logged in")
	assert.Contains(t, r.stderr, "the check could not be resolved and the job ran unmonitored")
}

// TestMonitorBrokenConfig: a config file that cannot be read does not
// stop the job either.
func TestMonitorBrokenConfig(t *testing.T) {
	u := newUser(t)
	require.NoError(t, os.MkdirAll(u.configDir(), 0o700))
	require.NoError(t, os.WriteFile(u.configFile(), []byte("api_url = [\n"), 0o600))
	marker := filepath.Join(t.TempDir(), "ran")
	r := u.run("monitor", "--public-id", "550e8400-e29b-41d4-a716-446655440000", "--", "touch", marker)
	assert.Equal(t, exitMonitoring, r.code, "%s", r)
	assert.FileExists(t, marker, "the job ran")
	assert.Contains(t, r.stderr, "config.toml")
	assert.Contains(t, r.stderr, "the job ran unmonitored")
}

// TestMonitorBrokenConfigWithEnvURL: with the server's URL in the
// environment (as CI sets it), a config.toml that cannot be read is skipped
// with a warning and the run is still reported.
func TestMonitorBrokenConfigWithEnvURL(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "ci-build")
	u := newUser(t).with("PAKYAS_API_URL", srv.URL)
	require.NoError(t, os.MkdirAll(u.configDir(), 0o700))
	require.NoError(t, os.WriteFile(u.configFile(), []byte("api_url = [\n"), 0o600))
	r := u.run("monitor", "--public-id", ch.PublicID, "--", "true")
	assert.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stderr, "warning")
	assert.Contains(t, r.stderr, "config.toml")
	assert.Equal(t, "up", checkNow(t, srv, ch.ID).Status)
}
