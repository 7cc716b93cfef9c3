package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

// lastSignal returns the newest signal of a check.
func lastSignal(t *testing.T, srv *testutil.Server, ch *api.Check) api.Signal {
	t.Helper()
	got, err := srv.Client(srv.Key).Check(context.Background(), ch.ID)
	require.NoError(t, err)
	require.NotEmpty(t, got.Signals)
	return got.Signals[0]
}

// TestPingFlagsAnywhere runs the built binary: flags may stand before or
// after the slug, as the guide writes them (urfave/cli v2 would read
// `ping my-job --fail` as a success).
func TestPingFlagsAnywhere(t *testing.T) {
	u, srv := loggedIn(t)
	ch := createCheck(t, srv, "my-job")
	const rid = "0b9a3c43-2f7e-4d43-9a57-5b8a9b8f0a11"
	tests := []struct {
		name     string
		args     []string
		kind     string
		exitCode *int
		runID    string
		output   string
	}{
		{"success", []string{"ping", "my-job"}, "success", nil, "", ""},
		{"fail after the slug", []string{"ping", "my-job", "--fail"}, "fail", nil, "", ""},
		{"fail before the slug", []string{"ping", "--fail", "my-job"}, "fail", nil, "", ""},
		{"start with run id", []string{"ping", "my-job", "--start", "--rid", rid}, "start", nil, rid, ""},
		{"exit code", []string{"ping", "my-job", "--exit-code", "2", "-m", "disk full"}, "fail", intPtr(2), "", "disk full"},
		{"exit code 0", []string{"ping", "my-job", "--exit-code=0"}, "success", intPtr(0), "", ""},
		{"log", []string{"ping", "my-job", "--log", "--message", "half way"}, "log", nil, "", "half way"},
		{"global flag after", []string{"ping", "my-job", "--fail", "--api-url", srv.URL}, "fail", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ok(t, u.exec(tt.args...))
			assert.Equal(t, "Pong! Check 'my-job' pinged successfully\n", out)
			sig := lastSignal(t, srv, ch)
			assert.Equal(t, tt.kind, sig.Kind)
			assert.Equal(t, tt.exitCode, sig.ExitCode)
			assert.Equal(t, tt.runID, sig.RunID)
			assert.Equal(t, tt.output, sig.Output)
		})
	}
}

func intPtr(n int) *int { return &n }

func TestPingMessageFromStdin(t *testing.T) {
	u, srv := loggedIn(t)
	ch := createCheck(t, srv, "my-job")
	r := u.runStdin("line 1\nline 2\n", "ping", "my-job", "--fail", "--message", "-")
	ok(t, r)
	assert.Equal(t, "line 1\nline 2\n", lastSignal(t, srv, ch).Output)
}

// A message longer than a ping's body keeps its end, where a job's output
// says most (README: "cut to its tail").
func TestPingMessageFromStdinKeepsTail(t *testing.T) {
	u, srv := loggedIn(t)
	ch := createCheck(t, srv, "long-job")
	var in strings.Builder
	for i := 1; i <= 40000; i++ {
		fmt.Fprintf(&in, "%d\n", i)
	}
	r := u.runStdin(in.String(), "ping", "long-job", "--message", "-")
	ok(t, r)
	got := lastSignal(t, srv, ch).Output
	assert.Len(t, got, core.MaxBodySize)
	assert.True(t, strings.HasSuffix(got, "\n39999\n40000\n"), "the end is kept: %q", got[len(got)-20:])
}

func TestPingUsageErrors(t *testing.T) {
	u, srv := loggedIn(t)
	createCheck(t, srv, "my-job")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"two kinds", []string{"ping", "my-job", "--start", "--fail"}, "not several"},
		{"exit code range", []string{"ping", "my-job", "--exit-code", "256"}, "0 to 255"},
		{"bad rid", []string{"ping", "my-job", "--rid", "abc"}, "UUID"},
		{"bad public id", []string{"ping", "--public-id", "abc"}, "UUID"},
		{"slug and public id", []string{"ping", "my-job", "--public-id", "550e8400-e29b-41d4-a716-446655440000"}, "not both"},
		{"no check", []string{"ping"}, "which check"},
		{"two slugs", []string{"ping", "a", "b"}, "too many"},
		{"bad retries", []string{"ping", "my-job", "--retries", "-1"}, "--retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := u.run(tt.args...)
			assert.Equal(t, exitUsage, r.code, "%s", r)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}

// flaky is a ping endpoint answering the given statuses in turn (then
// 200), or hanging until the client gives up when the status is 0.
type flaky struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	attempts int
}

func newFlaky(t *testing.T, statuses ...int) *flaky {
	f := &flaky{statuses: statuses}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		status := http.StatusOK
		if f.attempts < len(f.statuses) {
			status = f.statuses[f.attempts]
		}
		f.attempts++
		f.mu.Unlock()
		if status == 0 {
			<-r.Context().Done() // the client's --timeout ends the request
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *flaky) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

func TestPingRetries(t *testing.T) {
	const id = "550e8400-e29b-41d4-a716-446655440000"
	tests := []struct {
		name     string
		statuses []int
		retries  string
		code     int
		attempts int
	}{
		{"ok first time", nil, "3", exitOK, 1},
		{"5xx then ok", []int{503, 502}, "3", exitOK, 3},
		{"429 then ok", []int{429}, "3", exitOK, 2},
		{"timeout then ok", []int{0}, "3", exitOK, 2},
		{"5xx until out of retries", []int{500, 500, 500, 500}, "2", exitMonitoring, 3},
		{"no retries", []int{503}, "0", exitMonitoring, 1},
		{"400 is never retried", []int{400}, "3", exitError, 1},
		{"404 is never retried", []int{404}, "3", exitNotFound, 1},
		{"409 is never retried", []int{409}, "3", exitError, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlaky(t, tt.statuses...)
			u := newUser(t)
			r := u.run("ping", "--public-id", id, "--api-url", f.URL, "--retries", tt.retries, "--retry-wait", "1ms", "--timeout", "200ms")
			assert.Equal(t, tt.code, r.code, "%s", r)
			assert.Equal(t, tt.attempts, f.count())
			if tt.code == exitMonitoring {
				assert.Contains(t, r.stderr, "ping not delivered after")
			}
		})
	}
}

func TestPingConnectionRefusedIsRetried(t *testing.T) {
	u := newUser(t)
	down := closedURL
	r := u.run("ping", "--public-id", "550e8400-e29b-41d4-a716-446655440000", "--api-url", down, "--retries", "2", "--retry-wait", "1ms", "-v")
	assert.Equal(t, exitMonitoring, r.code, "%s", r)
	assert.Contains(t, r.stderr, "ping not delivered after 3 attempt(s)")
	assert.Equal(t, 3, strings.Count(r.stderr, "connection refused ("), r.stderr)
}

func TestPingJSON(t *testing.T) {
	u, srv := loggedIn(t)
	ch := createCheck(t, srv, "my-job")
	out := ok(t, u.run("ping", "my-job", "--start", "--format", "json"))
	assert.JSONEq(t, `{"check":"my-job","public_id":"`+ch.PublicID+`","kind":"start","attempts":1}`, out)
}
