//go:build unix

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/internal/testutil"
)

// hangingServer answers nothing until the test ends: a server that
// accepts connections but is stuck.
func hangingServer(t *testing.T) *httptest.Server {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv
}

// TestMonitorSlowServerBoundsResolution: resolving a slug (a cache miss,
// or a cache older than 24 h) asks the server; a stuck server must delay
// the job by at most --start-timeout, not the API client's 10 s per
// request.
func TestMonitorSlowServerBoundsResolution(t *testing.T) {
	srv := hangingServer(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"cache miss", []string{"monitor", "--start-timeout", "300ms", "--retries", "0", "--timeout", "1s", "backup", "--", "touch"}},
		{"public id", []string{"monitor", "--start-timeout", "300ms", "--retries", "0", "--timeout", "1s", "--public-id", "550e8400-e29b-41d4-a716-446655440000", "--", "touch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUser(t).with("PAKYAS_API_URL", srv.URL, "PAKYAS_API_KEY", "pk_live_test", "XDG_STATE_HOME", t.TempDir())
			marker := filepath.Join(t.TempDir(), "ran")
			t0 := time.Now()
			r := u.run(append(tc.args, marker)...)
			assert.Equal(t, exitMonitoring, r.code, "%s", r)
			fi, err := os.Stat(marker)
			require.NoError(t, err, "the job ran: %s", r)
			// The finish signal takes its own time after the job (--timeout);
			// the job itself must start within about the start timeout.
			assert.Less(t, fi.ModTime().Sub(t0), 3*time.Second, "%s", r)
		})
	}
}

// TestMonitorMalformedEnv: an environment variable pakyas cannot parse
// (set for every job, in /etc/environment or a CI config) must not stop
// the job: it is ignored with a warning that says how to write it, and the
// run is reported as usual.
func TestMonitorMalformedEnv(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "env-job")
	for _, tc := range []struct{ key, value, hint string }{
		{"PAKYAS_TIMEOUT", "10", "PAKYAS_TIMEOUT=10s"},
		{"PAKYAS_RETRY_WAIT", "250", "PAKYAS_RETRY_WAIT=250ms"},
		{"PAKYAS_RETRIES", "three", "PAKYAS_RETRIES=3"},
		{"PAKYAS_NO_EXTERNAL", "yes", "PAKYAS_NO_EXTERNAL=true"},
		{"PAKYAS_MIGRATION_MODE", "on", "PAKYAS_MIGRATION_MODE=true"},
		{"PAKYAS_EXTERNAL_TIMEOUT_MS", "5s", "PAKYAS_EXTERNAL_TIMEOUT_MS=5000"},
		// Values that parse but are out of range are ignored the same way.
		{"PAKYAS_EXTERNAL_TIMEOUT_MS", "0", "PAKYAS_EXTERNAL_TIMEOUT_MS=5000"},
		{"PAKYAS_RETRIES", "-1", "PAKYAS_RETRIES=3"},
		{"PAKYAS_RETRIES", "1000", "PAKYAS_RETRIES=3"},
		{"PAKYAS_TIMEOUT", "0s", "PAKYAS_TIMEOUT=10s"},
		{"PAKYAS_RETRY_WAIT", "-1s", "PAKYAS_RETRY_WAIT=250ms"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			u := newUser(t).with("PAKYAS_API_URL", srv.URL, tc.key, tc.value, "XDG_STATE_HOME", t.TempDir())
			marker := filepath.Join(t.TempDir(), "ran")
			r := u.run("monitor", "--public-id", ch.PublicID, "--", "touch", marker)
			assert.FileExists(t, marker, "the job ran: %s", r)
			assert.Equal(t, 0, r.code, "%s", r)
			assert.Contains(t, r.stderr, tc.key, "%s", r)
			assert.Contains(t, r.stderr, tc.hint, "%s", r)
		})
	}
}

// TestMonitorSignalBeforeJobStarts: a SIGTERM (or Ctrl-C) that reaches
// pakyas while it is still resolving the check must not be swallowed:
// the job, told to stop before it started, is not started at all.
func TestMonitorSignalBeforeJobStarts(t *testing.T) {
	asked := make(chan struct{}, 16)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			u := newUser(t).with("PAKYAS_API_URL", srv.URL, "PAKYAS_API_KEY", "pk_live_test", "XDG_STATE_HOME", t.TempDir())
			marker := filepath.Join(t.TempDir(), "ran")
			cmd := u.job("monitor", "--start-timeout", "1m", "backup", "--", "touch", marker)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			select {
			case <-asked:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("pakyas never asked the server")
			}
			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			assert.Error(t, err, "interrupted: %s", stderr.String())
			assert.NoFileExists(t, marker, "the job started after it was told to stop: %s", stderr.String())
			assert.Contains(t, stderr.String(), "did not run")
		})
	}
}

// TestMonitorNoHome: with no home directory (a bare systemd unit, a
// minimal container) there is no config file, and none is needed: a
// --public-id run configured by flags and environment is monitored as
// usual, not run unmonitored with exit 3.
func TestMonitorNoHome(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "no-home")
	u := &user{t: t, env: map[string]string{"PAKYAS_API_URL": srv.URL}}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"monitor", []string{"monitor", "--public-id", ch.PublicID, "--", "true"}},
		{"ping", []string{"ping", "--public-id", ch.PublicID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := u.exec(tc.args...)
			assert.Equal(t, 0, r.code, "%s", r)
			assert.NotContains(t, r.stderr, "pakyas: ", "no error, no warning: %s", r)
		})
	}
	r := u.exec("login", "--api-key", srv.Key)
	assert.NotEqual(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stderr, "HOME", "%s", r)
}
