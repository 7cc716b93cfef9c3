//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

// The setups of docs/monitor.md ("What happens to a signal"), each
// through the built pakyas against a real server that is stopped and
// restarted on the same address: every signal of the runs made while it
// was down reaches it, at the time it happened, once it is back.

// offlineServer is a server on a real clock (signals delivered late keep
// their time) with one check, "nightly", in "Test Project".
func offlineServer(t *testing.T) (*testutil.Server, *api.Check) {
	srv := testutil.StartServer(t)
	srv.Clock.Set(time.Now())
	return srv, createCheck(t, srv, "nightly")
}

// envOnly is a user who never ran `pakyas login`: the server and key come
// from the environment (CI, cron, Kubernetes), nothing else.
func envOnly(t *testing.T, srv *testutil.Server) *user {
	return newUser(t).with("PAKYAS_API_URL", srv.URL, "PAKYAS_API_KEY", srv.Key, "PAKYAS_RETRY_WAIT", "1ms")
}

// back restarts the server on its address ten minutes later.
func back(t *testing.T, srv *testutil.Server) {
	srv.Restart(t)
	srv.Clock.Set(time.Now().Add(10 * time.Minute))
}

// spooledEntries returns the spool's pending entries as `spool list`
// shows them.
func spooledEntries(t *testing.T, u *user) []map[string]any {
	t.Helper()
	r := u.exec("spool", "list", "--format", "json")
	require.Equal(t, 0, r.code, "%s", r)
	var list struct {
		Pending []map[string]any `json:"pending"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	return list.Pending
}

// runOffline runs `pakyas monitor nightly -- sh -c "exit <code>"` while
// the server is down and returns the window the signals happened in.
func runOffline(t *testing.T, u *user, code int) (time.Time, time.Time) {
	t.Helper()
	before := time.Now()
	r := runJob(t, u.job("monitor", "nightly", "--", "sh", "-c", fmt.Sprintf("echo working >&2; exit %d", code)))
	after := time.Now()
	require.Equal(t, 3, r.code, "the finish did not reach Pakyas: exit 3\n%s", r)
	assert.Contains(t, r.stderr, "[pakyas] The finish signal is kept in the spool (")
	assert.Contains(t, r.stderr, "connection refused")
	assert.Contains(t, r.stderr, "[pakyas] Exit 3: monitoring failure, Pakyas did not get the finish signal (the job itself exited "+fmt.Sprint(code)+")")
	assert.NotContains(t, r.stderr, "unmonitored")
	return before, after
}

// assertArrived checks that the server holds a start and a finish with
// exit code, delivered late, that happened between from and to.
func assertArrived(t *testing.T, srv *testutil.Server, ch *api.Check, code int, from, to time.Time) {
	t.Helper()
	got := checkNow(t, srv, ch.ID)
	var start, finish *api.Signal
	for i := range got.Signals {
		s := &got.Signals[i]
		if s.At.Before(from) || s.At.After(to) {
			continue
		}
		switch {
		case s.Kind == "start":
			start = s
		case s.ExitCode != nil && *s.ExitCode == code:
			finish = s
		}
	}
	require.NotNil(t, start, "the offline start arrived: %+v", got.Signals)
	require.NotNil(t, finish, "the offline finish arrived: %+v", got.Signals)
	assert.True(t, start.DeliveredLate && finish.DeliveredLate, "marked as delivered late")
	assert.Equal(t, start.RunID, finish.RunID)
	assert.Equal(t, "working\n", finish.Output)
	assert.True(t, finish.ReceivedAt.After(to), "received after the server came back")
}

// TestOfflineEnvOnlyWithCache (finding 1): environment variables only,
// the cache filled by `pakyas check sync`, server down: the runs use the
// cache (no GET /me first) and their signals are spooled by public ID;
// `pakyas spool flush` delivers them once the server is back.
func TestOfflineEnvOnlyWithCache(t *testing.T) {
	srv, ch := offlineServer(t)
	u := envOnly(t, srv)
	ok(t, u.exec("check", "sync"))

	srv.Stop()
	from, to := runOffline(t, u, 0)
	pending := spooledEntries(t, u)
	require.Len(t, pending, 2)
	for _, p := range pending {
		assert.Equal(t, ch.PublicID, p["public_id"], "resolved from the cache")
	}
	r := u.exec("spool", "flush")
	assert.Equal(t, exitMonitoring, r.code, "still down: %s", r)
	assert.Contains(t, r.stderr, "2 signal(s) are still in the spool")

	back(t, srv)
	r = u.exec("spool", "flush")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "Delivered 2 signal(s) from the spool.")
	assertArrived(t, srv, ch, 0, from, to)
	assert.Empty(t, spooledEntries(t, u))
}

// TestOfflineFreshContainer (finding 2): the user guide's Docker and
// Kubernetes recipes: a fresh HOME, environment only, no cache, server
// down. The check cannot be resolved, so the signals are kept by slug
// with what resolves them; the next run, once the server is back,
// resolves and delivers them before its own, in order.
func TestOfflineFreshContainer(t *testing.T) {
	srv, ch := offlineServer(t)
	u := envOnly(t, srv).with("PAKYAS_PROJECT", "Test Project")
	srv.Stop()
	from, to := runOffline(t, u, 2)
	pending := spooledEntries(t, u)
	require.Len(t, pending, 2)
	for _, p := range pending {
		assert.Equal(t, "nightly", p["slug"], "kept by slug")
		assert.Nil(t, p["public_id"])
	}
	b, err := os.ReadFile(pending[0]["file"].(string))
	require.NoError(t, err)
	assert.NotContains(t, string(b), srv.Key, "the key itself is never written")
	assert.Contains(t, string(b), `"project":"Test Project"`)

	back(t, srv)
	// A new container: a fresh HOME again, but the spool survived (a
	// volume), as the docs recommend.
	next := envOnly(t, srv).with("PAKYAS_PROJECT", "Test Project", "XDG_STATE_HOME", filepath.Join(u.home, ".local", "state"))
	r := runJob(t, next.job("monitor", "nightly", "--", "true"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stderr, "[pakyas] Delivered 2 signal(s) from the spool")
	assertArrived(t, srv, ch, 2, from, to)
	got := checkNow(t, srv, ch.ID)
	assert.Equal(t, "up", got.Status, "the live run, delivered after the late ones, decides: %+v", got.Timeline)
}

// TestOfflineNoProjectNoCache: only PAKYAS_API_KEY (the user guide's
// cron line): the key's only project is found once the server is back.
func TestOfflineNoProjectNoCache(t *testing.T) {
	srv, ch := offlineServer(t)
	u := envOnly(t, srv)
	srv.Stop()
	from, to := runOffline(t, u, 0)
	back(t, srv)
	r := u.exec("spool", "flush")
	require.Equal(t, 0, r.code, "%s", r)
	assertArrived(t, srv, ch, 0, from, to)
}

// TestOfflineBrokenConfig (finding 3): a config.toml that cannot be read,
// every setting in the environment: the file is read once, warned about
// and ignored; the run is monitored, and what could not be delivered is
// spooled and delivered later.
func TestOfflineBrokenConfig(t *testing.T) {
	srv, ch := offlineServer(t)
	u := envOnly(t, srv).with("PAKYAS_PROJECT", "Test Project")
	require.NoError(t, os.MkdirAll(u.configDir(), 0o700))
	require.NoError(t, os.WriteFile(u.configFile(), []byte("api_url = [\n"), 0o600))

	r := runJob(t, u.job("monitor", "nightly", "--", "true"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stderr, "pakyas: warning: ignoring "+u.configFile()+" for this run: "+u.configFile()+":1:")

	srv.Stop()
	from, to := runOffline(t, u, 0)
	back(t, srv)
	r = u.exec("spool", "flush")
	require.Equal(t, 0, r.code, "%s", r)
	assertArrived(t, srv, ch, 0, from, to)

	// Without the server's URL from flag or environment, the file is
	// needed: a clear error, and the job still runs (exit 3).
	noURL := newUser(t)
	require.NoError(t, os.MkdirAll(noURL.configDir(), 0o700))
	require.NoError(t, os.WriteFile(noURL.configFile(), []byte("api_url = [\n"), 0o600))
	marker := filepath.Join(t.TempDir(), "ran")
	r = runJob(t, noURL.job("monitor", "nightly", "--", "touch", marker))
	assert.Equal(t, exitMonitoring, r.code, "%s", r)
	assert.FileExists(t, marker)
	assert.Contains(t, r.stderr, "pakyas: "+noURL.configFile()+":1:")
	assert.Contains(t, r.stderr, "PAKYAS_API_URL")
}

// TestInvalidSlug (finding 4): a slug that cannot be one is a command-line
// mistake: exit 2, nothing sent, the job not run.
func TestInvalidSlug(t *testing.T) {
	srv := testutil.StartServer(t)
	proxy := newCounter(t, srv.URL)
	u := newUser(t).with("PAKYAS_API_URL", proxy.URL, "PAKYAS_API_KEY", srv.Key)
	for _, slug := range []string{"a/b", "Backup", "../x", strings.Repeat("x", 101)} {
		r := u.exec("ping", slug)
		assert.Equal(t, exitUsage, r.code, "ping %q: %s", slug, r)
		assert.Contains(t, r.stderr, "invalid check slug")
		marker := filepath.Join(t.TempDir(), "ran")
		r = runJob(t, u.job("monitor", slug, "--", "touch", marker))
		assert.Equal(t, exitUsage, r.code, "monitor %q: %s", slug, r)
		assert.NoFileExists(t, marker)
	}
	apiCalls, pings := proxy.counts()
	assert.Zero(t, apiCalls+pings, "nothing reached the server")
}

// TestRetryClassifier (finding 5): an untrusted certificate is neither
// retried nor spooled; a 408 is retried.
func TestRetryClassifier(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	u := newUser(t).with("PAKYAS_API_URL", tlsSrv.URL, "PAKYAS_RETRY_WAIT", "1ms")
	id := "550e8400-e29b-41d4-a716-446655440000"
	r := u.exec("ping", "--public-id", id)
	assert.Equal(t, exitMonitoring, r.code, "%s", r)
	assert.Contains(t, r.stderr, "after 1 attempt(s)")
	assert.Contains(t, r.stderr, "certificate")
	assert.Contains(t, r.stderr, "retrying will not help")
	assert.Empty(t, spooledEntries(t, u), "a TLS failure is not kept for 90 days")

	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "retried")
	n := 0
	flaky := testutil.Listen(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n++; n == 1 {
			w.WriteHeader(http.StatusRequestTimeout)
			return
		}
		httputil.NewSingleHostReverseProxy(mustURL(t, srv.URL)).ServeHTTP(w, r)
	}))
	u = newUser(t).with("PAKYAS_API_URL", flaky.URL, "PAKYAS_RETRY_WAIT", "1ms")
	ok(t, u.exec("ping", "--public-id", ch.PublicID))
	assert.Equal(t, 2, n)
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

// TestPingBodyLimit (finding 6): the server says how much of a body it
// keeps; the finish carries the end of the output, not its start.
func TestPingBodyLimit(t *testing.T) {
	srv := testutil.StartServer(t)
	ch := createCheck(t, srv, "limited")
	proxy := httputil.NewSingleHostReverseProxy(mustURL(t, srv.URL))
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Header.Get(api.PingBodyLimitHeader) != "" {
			r.Header.Set(api.PingBodyLimitHeader, "64")
		}
		return nil
	}
	front := testutil.Listen(t, proxy)
	u := newUser(t).with("PAKYAS_API_URL", front.URL)
	r := runJob(t, u.job("monitor", "--public-id", ch.PublicID, "--", "sh", "-c", "head -c 1000 /dev/zero | tr '\\0' x >&2; echo THE-END >&2"))
	require.Equal(t, 0, r.code, "%s", r)
	got := checkNow(t, srv, ch.ID)
	fin := got.Signals[0]
	assert.Len(t, fin.Output, 64)
	assert.True(t, strings.HasSuffix(fin.Output, "THE-END\n"), "%q", fin.Output)
	assert.False(t, fin.OutputTruncated, "cut by the client, to its tail")
}

// TestControlCharactersEscaped (finding 7): what a job or a user wrote
// cannot rewrite the terminal of whoever looks at the check.
func TestControlCharactersEscaped(t *testing.T) {
	u, srv := loggedIn(t)
	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	// The server refuses control characters in names; a bidi override is
	// not one, and a ping body may hold anything.
	name, slug, period := "evil\u202ename", "evil", int64(3600)
	ch, err := c.CreateCheck(context.Background(), testProject(t, me), api.CheckInput{Name: &name, Slug: &slug, Period: &period})
	require.NoError(t, err)
	_, err = c.Ping(context.Background(), api.Ping{PublicID: ch.PublicID, Kind: "fail", Body: []byte("\x1b[2J\x1b[31mdisk \u202efull\r\n")})
	require.NoError(t, err)
	for _, args := range [][]string{{"check", "show", "evil"}, {"check", "list"}, {"check", "timeline", "evil"}} {
		r := u.exec(args...)
		require.Equal(t, 0, r.code, "%s", r)
		assert.NotContains(t, r.stdout, "\x1b", "%v", args)
		assert.NotContains(t, r.stdout, "\u202e", "%v", args)
		assert.NotContains(t, r.stdout, "\r", "%v", args)
		assert.NotContains(t, r.stdout, "\x07", "%v", args)
	}
	r := u.exec("check", "show", "evil")
	assert.Contains(t, r.stdout, `evil\u202ename`)
	assert.Contains(t, r.stdout, `\x1b[2J\x1b[31mdisk \u202efull`)
}

// TestCorruptSpoolFile (finding 8): a file in the spool that is not a
// signal is said to be one, by name, and moved aside.
func TestCorruptSpoolFile(t *testing.T) {
	srv := testutil.StartServer(t)
	u := newUser(t).with("PAKYAS_API_URL", srv.URL)
	dir := filepath.Join(u.home, ".local", "state", "pakyas", "spool")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	name := "01795000000000000000-abcdefabcdef.json"
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(`{"version":2,"api_u`), 0o600))
	r := u.exec("spool", "flush")
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, "pakyas: warning: the spool file "+name+" is not a valid signal (not a valid spool entry: ")
	assert.Contains(t, r.stderr, "moved to "+filepath.Join(dir, "rejected"))
	assert.NotContains(t, r.stderr, "of  at -")
	assert.FileExists(t, filepath.Join(dir, "rejected", name))
}

// TestReplayAlertsTheFinalState (a flush used to send a burst of stale
// alerts: up, failed, up within 16 ms): with the server down, a failing
// run and then a succeeding one are spooled; after the flush, the alerts
// are those a live sequence would have left for the final state — none,
// since the check ended Up as it began — and a replay that ends in a
// failure alerts it exactly once, after the replay.
func TestReplayAlertsTheFinalState(t *testing.T) {
	for _, tc := range []struct {
		name  string
		codes []int
		want  []string // the alerts' "from→to"
	}{
		{"failure then recovery: no alert", []int{1, 0}, nil},
		{"recovery then failure: one alert", []int{0, 2}, []string{"up→failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := offlineServer(t)
			hook := testutil.NewReceiver(t, 200)
			c := srv.Client(srv.Key)
			ctx := context.Background()
			me, err := c.Me(ctx)
			require.NoError(t, err)
			_, err = c.CreateChannel(ctx, me.Orgs[0].ID, api.ChannelInput{Name: "ops", Kind: "webhook", Target: hook.URL})
			require.NoError(t, err)
			u := envOnly(t, srv)
			r := runJob(t, u.job("monitor", "nightly", "--", "true"))
			require.Equal(t, 0, r.code, "%s", r)

			srv.Stop()
			for _, code := range tc.codes {
				runOffline(t, u, code)
			}
			back(t, srv)
			r = u.exec("spool", "flush")
			require.Equal(t, 0, r.code, "%s", r)
			_, err = srv.DeliverAlerts(ctx)
			require.NoError(t, err)
			assert.Empty(t, hook.Drain(), "nothing is alerted while the replay may go on")

			srv.Clock.Add(time.Minute) // the replay has ended
			_, err = srv.EvaluateDue(ctx)
			require.NoError(t, err)
			_, err = srv.DeliverAlerts(ctx)
			require.NoError(t, err)
			var got []string
			for _, req := range hook.Drain() {
				var p struct{ From, To string }
				require.NoError(t, json.Unmarshal(req.Body, &p), "%s", req.Body)
				got = append(got, p.From+"→"+p.To)
			}
			assert.Equal(t, tc.want, got)

			tl := u.exec("check", "timeline", "nightly")
			require.Equal(t, 0, tl.code, "%s", tl)
			assert.Contains(t, tl.stdout, "alert held: the signal arrived")
			if tc.want == nil {
				assert.Contains(t, tl.stdout, "no alert: the replayed signals ended where they began")
			}
		})
	}
}

// TestSpoolFlushRetries: `pakyas spool flush --retries N` retries each
// spooled signal as `ping` does (README: "same --retries, --timeout as
// ping"), where the replay before a live signal tries once.
func TestSpoolFlushRetries(t *testing.T) {
	srv, ch := offlineServer(t)
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	failures, pings := 1<<30, 0 // down until told otherwise
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := failures > 0
		if strings.HasPrefix(r.URL.Path, "/ping/") {
			pings++
			if fail {
				failures--
			}
		}
		mu.Unlock()
		if fail && strings.HasPrefix(r.URL.Path, "/ping/") {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(flaky.Close)
	u := newUser(t).with("XDG_STATE_HOME", t.TempDir(), "PAKYAS_API_URL", flaky.URL)

	r := u.exec("ping", "--public-id", ch.PublicID, "--retries", "0")
	require.Equal(t, exitMonitoring, r.code, "kept for later: %s", r)
	mu.Lock()
	failures, pings = 2, 0 // two more 503s, then the server answers
	mu.Unlock()
	r = u.exec("spool", "flush", "--retries", "3", "--retry-wait", "10ms")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "Delivered 1 signal(s) from the spool.")
	mu.Lock()
	assert.Equal(t, 3, pings, "two retries after two 503s")
	mu.Unlock()
	assert.Equal(t, "up", checkNow(t, srv, ch.ID).Status)
}
