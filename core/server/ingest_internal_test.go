package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
	"github.com/pakyas/pakyas/core/store/sqlite"
)

// fakeClock is a settable clock (internal/testutil imports this package).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// newTestCheck returns a server (not started) over a fresh SQLite store
// and a check with period 1h, grace 5m in it.
func newTestCheck(t testing.TB) (*Server, *fakeClock, *core.Check) {
	t.Helper()
	s, clock, c, _ := newTestServer(t)
	return s, clock, c
}

// newTestServer is newTestCheck that also returns the admin's API key.
func newTestServer(t testing.TB) (*Server, *fakeClock, *core.Check, string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pakyas.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	clock := &fakeClock{t: time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)}
	key, err := Init(ctx, st, clock.Now(), Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)
	k, err := st.APIKeyByHash(ctx, HashAPIKey(key))
	require.NoError(t, err)
	orgs, err := st.OrgsForUser(ctx, k.UserID)
	require.NoError(t, err)
	projects, err := st.Projects(ctx, orgs[0].ID)
	require.NoError(t, err)
	now := clock.Now()
	c := &core.Check{
		ID: uuid.NewString(), PublicID: uuid.NewString(), OrgID: orgs[0].ID, ProjectID: projects[0].ID,
		Name: "c", Slug: "c", CreatedAt: now, UpdatedAt: now,
		Schedule: core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour, Grace: 5 * time.Minute},
		State:    status.NewState(now),
	}
	require.NoError(t, st.CreateCheck(ctx, c))
	return New(st, clock, Config{Manual: true}), clock, c, key
}

// TestIngestArrivalOrder: signals sent in real time (no ts) are applied in
// the order the writer takes them, even when a handler read the clock a
// little earlier than one queued before it. None of them is "stale".
func TestIngestArrivalOrder(t *testing.T) {
	tests := []struct {
		name  string
		first core.SignalKind // queued first, but read the clock later
		then  core.SignalKind
		want  core.Status
	}{
		{"start, then the previous run's success", core.SignalStart, core.SignalSuccess, core.StatusUp},
		{"success, then a failure", core.SignalSuccess, core.SignalFail, core.StatusFailed},
		{"failure, then a success", core.SignalFail, core.SignalSuccess, core.StatusUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock, c := newTestCheck(t)
			earlier := clock.Now()
			clock.add(time.Millisecond)
			later := clock.Now()
			reqs := []*ingestReq{
				{publicID: c.PublicID, sig: core.Signal{Kind: tt.first, OccurredAt: later, ReceivedAt: later}, done: make(chan error, 1)},
				{publicID: c.PublicID, sig: core.Signal{Kind: tt.then, OccurredAt: earlier, ReceivedAt: earlier}, done: make(chan error, 1)},
			}
			for _, r := range reqs {
				s.ingest.commit([]*ingestReq{r}) // one batch each, in queue order
				require.NoError(t, <-r.done)
			}
			got, err := s.store.Check(context.Background(), c.ID)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.State.Status)
			assert.False(t, got.State.Running(), "the success closed the run")
		})
	}
}

// failingStore fails every timeline write of one check, as a storage
// error would.
type failingStore struct {
	core.Store
	failCheck string
}

func (f *failingStore) Update(ctx context.Context, fn func(q core.Queries) error) error {
	return f.Store.Update(ctx, func(q core.Queries) error { return fn(failingQueries{q, f.failCheck}) })
}

type failingQueries struct {
	core.Queries
	failCheck string
}

func (q failingQueries) AddTimelines(ctx context.Context, es []*core.TimelineEntry) error {
	for _, e := range es {
		if e.CheckID == q.failCheck {
			return errors.New("disk I/O error")
		}
	}
	return q.Queries.AddTimelines(ctx, es)
}

// TestIngestBatchIsolation: a storage error on one signal of a batch
// refuses that signal only; the others of the batch are committed and
// acknowledged.
func TestIngestBatchIsolation(t *testing.T) {
	s, clock, bad := newTestCheck(t)
	good := *bad
	good.ID, good.PublicID, good.Slug = uuid.NewString(), uuid.NewString(), "good"
	require.NoError(t, s.store.CreateCheck(context.Background(), &good))
	s = New(&failingStore{Store: s.store, failCheck: bad.ID}, clock, Config{Manual: true})

	now := clock.Now()
	var reqs []*ingestReq
	for _, id := range []string{good.PublicID, bad.PublicID, good.PublicID} {
		reqs = append(reqs, &ingestReq{publicID: id, sig: core.Signal{Kind: core.SignalSuccess, OccurredAt: now, ReceivedAt: now}, done: make(chan error, 1)})
	}
	s.ingest.commit(reqs)
	assert.NoError(t, <-reqs[0].done)
	assert.Error(t, <-reqs[1].done, "the failing signal is refused")
	assert.NoError(t, <-reqs[2].done)

	got, err := s.store.Check(context.Background(), good.ID)
	require.NoError(t, err)
	assert.Equal(t, core.StatusUp, got.State.Status)
	sigs, err := s.store.Timeline(context.Background(), good.ID, core.TimelinePage{Kinds: []core.EntryKind{core.EntrySignal}})
	require.NoError(t, err)
	assert.Len(t, sigs, 2, "both acknowledged signals are stored, once each")
	got, err = s.store.Check(context.Background(), bad.ID)
	require.NoError(t, err)
	assert.Equal(t, core.StatusNew, got.State.Status, "nothing of the refused signal is applied")
}

// stallingStore is a stalled disk: while stalled, every Update blocks
// until its context ends, and tells entered when one is blocked.
type stallingStore struct {
	core.Store
	stalled atomic.Bool
	entered chan struct{}
}

func (s *stallingStore) Update(ctx context.Context, fn func(core.Queries) error) error {
	if !s.stalled.Load() {
		return s.Store.Update(ctx, fn)
	}
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestIngestBackpressure (finding 7): while the store stalls, pings wait
// at most IngestTimeout and a full queue refuses at once, each answered
// 503 with Retry-After; a signal said not to be recorded is not, and once
// the store is back pings are stored again.
func TestIngestBackpressure(t *testing.T) {
	s, clock, c := newTestCheck(t)
	stall := &stallingStore{Store: s.store, entered: make(chan struct{}, 1)}
	stall.stalled.Store(true)
	// The timeout also bounds the stalled transaction: long enough that
	// the queue is still full when the test gets to the third ping, on a
	// loaded machine too.
	s = New(stall, clock, Config{Manual: true, IngestQueue: 2, IngestTimeout: 2 * time.Second})
	s.Start()
	t.Cleanup(s.Stop)
	h := s.Handler()
	var ok, unconfirmed, busy int
	ping := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/ping/"+c.PublicID, nil))
		return rec
	}
	count := func(rec *httptest.ResponseRecorder) {
		switch {
		case rec.Code == http.StatusOK:
			ok++
		case rec.Code == http.StatusServiceUnavailable:
			busy++
			assert.Equal(t, "1", rec.Header().Get("Retry-After"))
			assert.Contains(t, rec.Body.String(), "server is busy")
			if strings.Contains(rec.Body.String(), "may or may not") {
				unconfirmed++
			}
		default:
			t.Errorf("ping answered %d %q", rec.Code, rec.Body.String())
		}
	}

	answers := make(chan *httptest.ResponseRecorder, 3)
	go func() { answers <- ping() }()
	<-stall.entered // the writer is stuck in a transaction with the first ping
	for range 2 {
		go func() { answers <- ping() }()
	}
	require.Eventually(t, func() bool { return len(s.ingest.reqs) == 2 }, 5*time.Second, time.Millisecond)

	full := ping()
	assert.Contains(t, full.Body.String(), "too many signals are waiting", "a full queue refuses at once")
	count(full)
	for range 3 {
		rec := <-answers
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "not acknowledged while the store stalls")
		count(rec)
	}
	require.Equal(t, 4, busy)

	stall.stalled.Store(false)
	require.Eventually(t, func() bool {
		rec := ping() // a client retrying after Retry-After
		count(rec)
		return rec.Code == http.StatusOK
	}, 10*time.Second, 10*time.Millisecond, "stored again once the store is back")
	sigs, err := s.store.Timeline(context.Background(), c.ID, core.TimelinePage{Kinds: []core.EntryKind{core.EntrySignal}})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(sigs), ok, "every acknowledged ping is recorded")
	assert.LessOrEqual(t, len(sigs), ok+unconfirmed, "a ping answered 'not recorded' is not")
	assert.Contains(t, metricsText(t, h), fmt.Sprintf("pakyas_ingest_overloaded_total %d\n", busy))
}

func metricsText(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return rec.Body.String()
}

// TestIngestKnownChecks: the writer keeps the checks it committed for its
// next batch, but not past a write by anyone else: a change of the
// schedule made between two batches applies to the second.
func TestIngestKnownChecks(t *testing.T) {
	s, clock, c := newTestCheck(t)
	loads := &countingStore{Store: s.store}
	s = New(loads, clock, Config{Manual: true})
	ctx := context.Background()
	ping := func() {
		t.Helper()
		now := clock.Now()
		r := &ingestReq{publicID: c.PublicID, sig: core.Signal{Kind: core.SignalSuccess, OccurredAt: now, ReceivedAt: now}, done: make(chan error, 1)}
		r.take()
		s.ingest.commit([]*ingestReq{r})
		require.NoError(t, <-r.done)
	}
	deadline := func() time.Time {
		t.Helper()
		got, err := s.store.Check(ctx, c.ID)
		require.NoError(t, err)
		return got.State.NextEvalAt
	}
	ping()
	require.NotNil(t, s.ingest.known[c.PublicID], "kept for the next batch")
	require.Equal(t, int32(1), loads.loads.Load())
	clock.add(time.Minute)
	ping() // from what the writer kept
	assert.Equal(t, int32(1), loads.loads.Load(), "not read again")
	assert.Equal(t, clock.Now().Add(time.Hour+status.OnTime), deadline())

	// What it keeps is what reading it back gives, to the monotonic
	// reading and the zone of the times (a real clock's have both).
	clock.mu.Lock()
	clock.t = time.Now().In(time.FixedZone("X", 3600))
	clock.mu.Unlock()
	ping()
	got, err := s.store.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, got.State, s.ingest.known[c.PublicID].State)

	got.Schedule.Period = 2 * time.Hour
	require.NoError(t, s.store.UpdateCheck(ctx, got)) // another writer
	clock.add(time.Minute)
	ping()
	assert.Equal(t, int32(2), loads.loads.Load(), "read again")
	assert.Equal(t, clock.Now().Add(2*time.Hour+status.OnTime).Round(0).UTC(), deadline(), "the new period applies")

	// A transaction of another writer (the evaluation loop's) too.
	_, err = s.EvaluateDue(ctx)
	require.NoError(t, err)
	require.NoError(t, s.store.Update(ctx, func(q core.Queries) error {
		x, err := q.Check(ctx, c.ID)
		if err != nil {
			return err
		}
		x.Schedule.Period = 3 * time.Hour
		return q.UpdateCheck(ctx, x)
	}))
	clock.add(time.Minute)
	ping()
	assert.Equal(t, clock.Now().Add(3*time.Hour+status.OnTime).Round(0).UTC(), deadline(), "the newer period applies")
}

// countingStore counts what its Update transactions do: evaluations (the
// reads of the due checks) and the ingest writer's reads of its checks. It
// passes the change marks on (core.ChangeMarker).
type countingStore struct {
	core.Store
	evaluations, loads atomic.Int32
}

func (c *countingStore) Update(ctx context.Context, fn func(q core.Queries) error) error {
	return c.Store.Update(ctx, func(q core.Queries) error { return fn(countingQueries{q, c}) })
}

type countingQueries struct {
	core.Queries
	c *countingStore
}

func (q countingQueries) DueChecks(ctx context.Context, now time.Time, limit int) ([]core.Check, error) {
	q.c.evaluations.Add(1)
	return q.Queries.DueChecks(ctx, now, limit)
}

func (q countingQueries) ChecksByPublicID(ctx context.Context, ids []string) ([]core.Check, error) {
	q.c.loads.Add(1)
	return q.Queries.ChecksByPublicID(ctx, ids)
}

func (q countingQueries) ChangeMark(ctx context.Context) (core.ChangeMark, bool, error) {
	return q.Queries.(core.ChangeMarker).ChangeMark(ctx)
}
