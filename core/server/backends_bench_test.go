package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/server"
	corestatus "github.com/pakyas/pakyas/core/status"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
	"github.com/pakyas/pakyas/core/store/sqlite"
	"github.com/pakyas/pakyas/internal/testutil"
)

// serve starts a server over st on 127.0.0.1 and returns its URL.
func serve(tb testing.TB, st core.Store, clock core.Clock) (*server.Server, string) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	srv := server.New(st, clock, server.Config{Manual: true, PublicURL: "http://" + ln.Addr().String()})
	hs := &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(ln) }()
	srv.Start()
	tb.Cleanup(func() { hs.Close(); srv.Stop() })
	return srv, "http://" + ln.Addr().String()
}

// openStore opens a store of kind "sqlite" or "postgres" (a schema of its
// own per benchmark or test; the same database for every call with the
// same url).
func openStore(tb testing.TB, kind, url string) core.Store {
	tb.Helper()
	var st core.Store
	var err error
	if kind == "sqlite" {
		st, err = sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "pakyas.db"))
	} else {
		st, err = postgres.Open(context.Background(), url)
	}
	require.NoError(tb, err)
	tb.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkIngestBackends: acknowledged pings per second, 64 concurrent
// keep-alive senders ($IngestSenders), through a bare Go HTTP server (reads the
// body, answers OK: the ceiling of this machine), the real server on
// SQLite, on PostgreSQL, and two servers on one PostgreSQL database
// (senders alternate); $IngestBackends ("sqlite,postgres") runs only those
// besides bare-http. The backends take turns, a second each, for
// $IngestRounds rounds (default 5): a burst of load on the machine lands
// on one round, not one backend. Each reports its median pings/s and x_bare,
// the median over the rounds of its rate over the bare server's rate in
// the same round; and p99_ms, the 99th percentile of a ping's latency.
// Run it with -benchtime 1x (make bench does).
func BenchmarkIngestBackends(b *testing.B) {
	type backend struct {
		name string
		urls []string
		ids  []string
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "OK")
	}))
	defer bare.Close()
	backends := []backend{{"bare-http", []string{bare.URL}, []string{uuid.NewString()}}}
	for _, tc := range []struct {
		name     string
		kind     string
		replicas int
	}{{"sqlite", "sqlite", 1}, {"postgres", "postgres", 1}, {"postgres-2-replicas", "postgres", 2}} {
		if only := os.Getenv("IngestBackends"); only != "" && !slices.Contains(strings.Split(only, ","), tc.name) {
			continue
		}
		var url string
		if tc.kind == "postgres" {
			url = pgtest.URL(b)
		}
		var urls []string
		var key string
		for i := range tc.replicas {
			st := openStore(b, tc.kind, url)
			if i == 0 {
				var err error
				key, err = server.Init(context.Background(), st, time.Now(), server.Admin{Email: "a@example.com", Org: "O", Project: "P"})
				require.NoError(b, err)
			}
			_, u := serve(b, st, core.SystemClock{})
			urls = append(urls, u)
		}
		backends = append(backends, backend{tc.name, urls, createChecks(b, &api.Client{BaseURL: urls[0], APIKey: key}, 100)})
	}
	rounds := 5
	if v, err := strconv.Atoi(os.Getenv("IngestRounds")); err == nil && v > 0 {
		rounds = v
	}
	for range b.N {
		rates := make([][]float64, len(backends))
		ratios := make([][]float64, len(backends))
		var lat [][]time.Duration = make([][]time.Duration, len(backends))
		for range rounds {
			var bareRate float64
			for i, be := range backends {
				rate, l := pingFor(b, time.Second, be.urls, be.ids)
				if i == 0 {
					bareRate = rate
				}
				rates[i] = append(rates[i], rate)
				ratios[i] = append(ratios[i], rate/bareRate)
				lat[i] = append(lat[i], l...)
			}
		}
		for i, be := range backends {
			slices.Sort(lat[i])
			b.Logf("%-20s %8.0f pings/s  x_bare %.2f  p99 %s  (rounds: %s)", be.name, median(rates[i]), median(ratios[i]),
				lat[i][len(lat[i])*99/100].Round(100*time.Microsecond), fmtRatios(ratios[i]))
			if i > 0 {
				b.ReportMetric(median(ratios[i]), "x_bare_"+be.name)
			}
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmtRatios(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}

// ingestSenders is how many concurrent senders BenchmarkIngestBackends
// runs: $IngestSenders, else 64, the load generator the performance goals
// were set with.
func ingestSenders() int {
	if v, err := strconv.Atoi(os.Getenv("IngestSenders")); err == nil && v > 0 {
		return v
	}
	return 64
}

// pingFor sends pings over urls and ids from ingestSenders() senders for
// d and returns the acknowledged pings/s and each ping's latency. Any
// answer other than 200 fails the benchmark.
func pingFor(b *testing.B, d time.Duration, urls, ids []string) (float64, []time.Duration) {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	body := strings.Repeat("x", 200)
	senders := ingestSenders()
	var n atomic.Int64
	lats := make([][]time.Duration, senders)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if !postPing(b, client, urls, ids, n.Add(1), body) {
					return
				}
				lats[s] = append(lats[s], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	return float64(len(all)) / time.Since(start).Seconds(), all
}

// postPing sends the i-th ping (over urls and ids, in turn) and reports
// whether it was acknowledged; anything else fails the benchmark.
func postPing(b *testing.B, client *http.Client, urls, ids []string, i int64, body string) bool {
	u := urls[i%int64(len(urls))]
	resp, err := client.Post(u+"/ping/"+ids[i%int64(len(ids))], "text/plain", strings.NewReader(body))
	if err != nil {
		b.Error(err)
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Errorf("status %d", resp.StatusCode)
		return false
	}
	return true
}

func createChecks(b *testing.B, c *api.Client, n int) []string {
	b.Helper()
	ctx := context.Background()
	me, err := c.Me(ctx)
	require.NoError(b, err)
	var ids []string
	for i := range n {
		ch, err := c.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Slug: ptr(fmt.Sprintf("job-%d", i)), Period: ptr[int64](3600)})
		require.NoError(b, err)
		ids = append(ids, ch.PublicID)
	}
	return ids
}

// sendPings sends b.N pings over urls and ids and returns pings/s.
func sendPings(b *testing.B, urls, ids []string) float64 {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	body := strings.Repeat("x", 200)
	var n atomic.Int64
	b.SetParallelism(128)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !postPing(b, client, urls, ids, n.Add(1), body) {
				return
			}
		}
	})
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "pings/s")
	return rate
}

// BenchmarkEvaluate100k: 100,000 checks fall due at the same instant;
// the servers judge them (each one down, exactly once) and the time it
// took is reported. Run it with -benchtime 1x (make bench does).
func BenchmarkEvaluate100k(b *testing.B) {
	const checks = 100_000
	for _, tc := range evalBackends {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				servers, first, clock := evalServers(b, tc)
				seedDue(b, first, checks, clock.Now())
				clock.Add(2 * time.Hour)
				took := judge(b, servers, first, checks)
				b.ReportMetric(took.Seconds(), "s/100k")
				b.ReportMetric(checks/took.Seconds(), "checks/s")
			}
		})
	}
}

// evalBackends are the stores the evaluation benchmarks run on.
var evalBackends = []evalBackend{{"sqlite", "sqlite", 1}, {"postgres", "postgres", 1}, {"postgres-2-replicas", "postgres", 2}}

type evalBackend struct {
	name     string
	kind     string
	replicas int
}

// evalServers returns tc's servers (not started) on one store each, over
// one database, with one fake clock, and the first store.
func evalServers(b *testing.B, tc evalBackend) ([]*server.Server, core.Store, *testutil.Clock) {
	var url string
	if tc.kind == "postgres" {
		url = pgtest.URL(b)
	}
	clock := testutil.NewClock(testutil.Epoch)
	var servers []*server.Server
	var first core.Store
	for i := range tc.replicas {
		st := openStore(b, tc.kind, url)
		if i == 0 {
			first = st
		}
		servers = append(servers, server.New(st, clock, server.Config{Manual: true}))
	}
	return servers, first, clock
}

// judge times the servers evaluating what is due, at once, with the
// benchmark timer running, and checks that exactly due checks went down,
// each judged once.
func judge(b *testing.B, servers []*server.Server, st core.Store, due int) time.Duration {
	b.StartTimer()
	start := time.Now()
	judged := make(chan int, len(servers))
	for _, srv := range servers {
		go func() {
			n, err := srv.EvaluateDue(context.Background())
			require.NoError(b, err)
			judged <- n
		}()
	}
	total := 0
	for range servers {
		total += <-judged
	}
	took := time.Since(start)
	b.StopTimer()
	require.Equal(b, due, total, "each due check judged once")
	counts, err := st.CountByStatus(context.Background())
	require.NoError(b, err)
	require.Equal(b, due, counts[core.StatusDown])
	return took
}

// seedDue creates n up checks whose deadline (down, no grace) is at now
// plus an hour, in transactions of 5,000.
func seedDue(b *testing.B, st core.Store, n int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	org := &core.Org{ID: uuid.NewString(), Name: "O", CreatedAt: now}
	require.NoError(b, st.CreateOrg(ctx, org))
	p := &core.Project{ID: uuid.NewString(), OrgID: org.ID, Name: "P", CreatedAt: now}
	require.NoError(b, st.CreateProject(ctx, p))
	for start := 0; start < n; start += 5000 {
		require.NoError(b, st.Update(ctx, func(q core.Queries) error {
			for i := start; i < min(n, start+5000); i++ {
				c := &core.Check{ID: uuid.NewString(), PublicID: uuid.NewString(), OrgID: org.ID, ProjectID: p.ID,
					Name: "c", Slug: fmt.Sprint("c-", i), CreatedAt: now, UpdatedAt: now,
					Schedule: core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour}}
				c.State = corestatus.NewState(now)
				res := corestatus.Apply(c, &core.Signal{Kind: core.SignalSuccess, OccurredAt: now, ReceivedAt: now}, now)
				c.State = res.State
				if err := q.CreateCheck(ctx, c); err != nil {
					return err
				}
			}
			return nil
		}))
	}
}

// BenchmarkEvaluate10kOf1M: 1,000,000 checks stored, 10,000 of them fall
// due at the same instant; the servers judge those (each down, exactly
// once) and the time from the deadline to the last commit is reported
// (goal: within 1 s). idle_us is what an evaluation round costs when
// nothing is due: the 990,000 others cost nothing. Run it with -benchtime
// 1x (make bench does); seeding takes a while.
func BenchmarkEvaluate10kOf1M(b *testing.B) {
	const due, stored = 10_000, 1_000_000
	for _, tc := range evalBackends {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				servers, first, clock := evalServers(b, tc)
				seedDue(b, first, due, clock.Now())
				seedNotDue(b, first, stored-due, clock.Now().Add(30*24*time.Hour))
				clock.Add(30 * time.Minute) // nothing due yet
				idleStart := time.Now()
				n, err := servers[0].EvaluateDue(context.Background())
				require.NoError(b, err)
				require.Zero(b, n)
				idle := time.Since(idleStart)
				clock.Add(90 * time.Minute)
				took := judge(b, servers, first, due)
				b.ReportMetric(took.Seconds(), "s/10k")
				b.ReportMetric(float64(idle.Microseconds()), "idle_us")
			}
		})
	}
}

// seedNotDue adds n up checks, copies of the check "c-0" (seedDue's
// first) whose deadline is notUntil, in one INSERT ... SELECT.
func seedNotDue(b *testing.B, st core.Store, n int, notUntil time.Time) {
	b.Helper()
	var db *sql.DB
	switch s := st.(type) {
	case *sqlite.Store:
		db, _ = s.DB()
	case *postgres.Store:
		db = s.DB()
	default:
		b.Fatalf("seedNotDue: %T", st)
	}
	q := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		INSERT INTO checks (id, public_id, org_id, project_id, name, slug, schedule_kind, period, cron, tz,
			grace, max_runtime, created_at, updated_at, status, status_since, open_runs, last_run_at,
			last_signal_at, last_success_at, last_failure_at, last_start_at, last_exit_code, resumed_at, next_eval_at)
		SELECT 'bulk-' || n.i, 'bulk-public-' || n.i, org_id, project_id, name, 'bulk-' || n.i, schedule_kind,
			period, cron, tz, grace, max_runtime, created_at, updated_at, status, status_since, open_runs,
			last_run_at, last_signal_at, last_success_at, last_failure_at, last_start_at, last_exit_code,
			resumed_at, %d
		FROM checks t CROSS JOIN n WHERE t.slug = 'c-0'`, n, notUntil.UnixNano())
	_, err := db.ExecContext(context.Background(), q)
	require.NoError(b, err)
	if _, ok := st.(*postgres.Store); ok {
		_, err = db.ExecContext(context.Background(), "ANALYZE checks")
		require.NoError(b, err)
	}
}
