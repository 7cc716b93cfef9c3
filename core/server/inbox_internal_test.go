package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

// newInboxServer is newTestServer with the writer set up as it starts
// (the store, SQLite, keeps an inbox) but not running: the tests take
// batches themselves and decide when the inbox is applied.
func newInboxServer(t *testing.T) (*Server, *fakeClock, *core.Check, string) {
	t.Helper()
	s, clock, c, key := newTestServer(t)
	s.ingest.startInbox()
	require.True(t, s.ingest.inbox, "SQLite keeps an inbox")
	return s, clock, c, key
}

// send takes one batch of signals as the writer does and requires each
// to be acknowledged.
func send(t *testing.T, s *Server, publicID string, sigs ...core.Signal) {
	t.Helper()
	batch := make([]*ingestReq, len(sigs))
	for i, sig := range sigs {
		batch[i] = &ingestReq{publicID: publicID, sig: sig, done: make(chan error, 1)}
		batch[i].take()
	}
	s.ingest.commit(batch)
	for _, r := range batch {
		require.NoError(t, <-r.done)
	}
}

func liveSig(kind core.SignalKind, at time.Time) core.Signal {
	return core.Signal{Kind: kind, OccurredAt: at, ReceivedAt: at}
}

// inboxLen is how many acknowledged signals wait in the inbox.
func inboxLen(t *testing.T, s *Server) int {
	t.Helper()
	var n int
	require.NoError(t, s.store.Update(context.Background(), func(q core.Queries) error {
		es, err := q.(core.Inbox).InboxEntries(context.Background(), 0)
		n = len(es)
		return err
	}))
	return n
}

// TestInboxAcknowledgesThenApplies: a live signal is acknowledged once it
// is in the inbox, before its check changes; applying the inbox changes
// the check as applying the signal at once would have, with the time it
// was taken as "now", and empties the inbox.
func TestInboxAcknowledgesThenApplies(t *testing.T) {
	s, clock, c, _ := newInboxServer(t)
	ctx := context.Background()
	taken := clock.Now()
	sigs := []core.Signal{liveSig(core.SignalStart, taken), liveSig(core.SignalSuccess, taken.Add(time.Second))}
	send(t, s, c.PublicID, sigs...)
	assert.Equal(t, 2, inboxLen(t, s))
	before, err := s.store.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, core.StatusNew, before.State.Status, "not applied yet")

	// The same signals applied at once, by a server without the inbox.
	direct, dclock, dc, _ := newTestServer(t)
	dclock.add(taken.Sub(dclock.Now()))
	send(t, direct, dc.PublicID, sigs...)
	want, err := direct.store.Check(ctx, dc.ID)
	require.NoError(t, err)

	clock.add(time.Hour) // applied later: when they were taken counts, not this
	require.NoError(t, s.Sync(ctx))
	assert.Equal(t, 0, inboxLen(t, s))
	after, err := s.store.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, core.StatusUp, after.State.Status)
	assert.Equal(t, want.State, after.State)
	page, err := s.store.Timeline(ctx, c.ID, core.TimelinePage{Kinds: []core.EntryKind{core.EntrySignal}})
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, core.SignalSuccess, page[0].Signal.Kind)
	assert.Equal(t, time.Second, page[0].Signal.Duration, "the run the start opened")
	assert.Equal(t, int64(0), s.ingest.waiting())

	// The writer's own application: from the database after another
	// transaction applied the inbox (Sync), then from what it committed
	// there itself, without reading it back.
	send(t, s, c.PublicID, liveSig(core.SignalFail, clock.Now()))
	assert.False(t, s.ingest.pendingOK, "another transaction wrote since")
	s.ingest.applyInbox()
	assert.Equal(t, 0, inboxLen(t, s))
	send(t, s, c.PublicID, liveSig(core.SignalSuccess, clock.Now()))
	require.True(t, s.ingest.pendingOK)
	require.Len(t, s.ingest.pending, 1)
	s.ingest.applyInbox()
	assert.Empty(t, s.ingest.pending)
	assert.Equal(t, 0, inboxLen(t, s))
	page, err = s.store.Timeline(ctx, c.ID, core.TimelinePage{Kinds: []core.EntryKind{core.EntryTransition}})
	require.NoError(t, err)
	require.NotEmpty(t, page)
	assert.Equal(t, core.StatusFailed, page[0].From)
	assert.Equal(t, core.StatusUp, page[0].To)
}

// TestInboxArrivalOrder: the writer's rule for live signals whose
// handlers read the clock out of queue order holds when they are applied
// from the inbox.
func TestInboxArrivalOrder(t *testing.T) {
	s, clock, c, _ := newInboxServer(t)
	earlier := clock.Now()
	later := earlier.Add(time.Millisecond)
	send(t, s, c.PublicID, liveSig(core.SignalSuccess, later))
	send(t, s, c.PublicID, liveSig(core.SignalFail, earlier))
	require.NoError(t, s.Sync(context.Background()))
	got, err := s.store.Check(context.Background(), c.ID)
	require.NoError(t, err)
	assert.Equal(t, core.StatusFailed, got.State.Status, "the failure was taken last")
}

// TestInboxBeforeEverythingElse: what decides from a check's state — the
// evaluation of deadlines, a signal that must be applied at once (one
// that says when it happened), a change through the API, a read through
// the API — first applies every acknowledged signal.
func TestInboxBeforeEverythingElse(t *testing.T) {
	ctx := context.Background()

	t.Run("evaluation", func(t *testing.T) {
		s, clock, c, _ := newInboxServer(t)
		send(t, s, c.PublicID, liveSig(core.SignalSuccess, clock.Now()))
		require.NoError(t, s.Sync(ctx))
		clock.add(time.Hour + 4*time.Minute) // late in a minute
		send(t, s, c.PublicID, liveSig(core.SignalSuccess, clock.Now()))
		clock.add(2 * time.Minute) // the old deadline has passed
		_, err := s.EvaluateDue(ctx)
		require.NoError(t, err)
		got, err := s.store.Check(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, core.StatusUp, got.State.Status, "judged with the success it acknowledged")
		assert.Equal(t, 0, inboxLen(t, s))
	})

	t.Run("a signal that says when it happened", func(t *testing.T) {
		s, clock, c, _ := newInboxServer(t)
		start := clock.Now()
		send(t, s, c.PublicID, liveSig(core.SignalStart, start))
		clock.add(time.Minute)
		// A spool's replay of the same start: a repeat, recognised only
		// when the live one is in the timeline.
		send(t, s, c.PublicID, core.Signal{Kind: core.SignalStart, OccurredAt: start, ReceivedAt: clock.Now()})
		assert.Equal(t, 0, inboxLen(t, s))
		page, err := s.store.Timeline(ctx, c.ID, core.TimelinePage{Kinds: []core.EntryKind{core.EntrySignal}})
		require.NoError(t, err)
		assert.Len(t, page, 1, "recorded once")
	})

	t.Run("API", func(t *testing.T) {
		s, clock, c, key := newInboxServer(t)
		h := s.Handler()
		send(t, s, c.PublicID, liveSig(core.SignalFail, clock.Now()))
		require.Equal(t, 1, inboxLen(t, s))
		req := httptest.NewRequest("GET", "/api/v1/checks/"+c.ID, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var got api.Check
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		assert.Equal(t, string(core.StatusFailed), got.Status, "the acknowledged failure shows")

		send(t, s, c.PublicID, liveSig(core.SignalSuccess, clock.Now()))
		req = httptest.NewRequest("POST", "/api/v1/checks/"+c.ID+"/pause", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		page, err := s.store.Timeline(ctx, c.ID, core.TimelinePage{Kinds: []core.EntryKind{core.EntryTransition}})
		require.NoError(t, err)
		require.NotEmpty(t, page)
		assert.Equal(t, core.StatusUp, page[0].From, "paused from up: the success came first")
	})
}

// TestInboxLeftByACrash: signals a server acknowledged and had not
// applied when it stopped are applied by the next one as it starts, and
// a signal to a check deleted meanwhile goes with it.
func TestInboxLeftByACrash(t *testing.T) {
	s, clock, c, _ := newInboxServer(t)
	ctx := context.Background()
	send(t, s, c.PublicID, liveSig(core.SignalFail, clock.Now()))
	other := *c
	other.ID, other.PublicID, other.Slug = "other-id", "other-public-id", "other"
	require.NoError(t, s.store.CreateCheck(ctx, &other))
	send(t, s, other.PublicID, liveSig(core.SignalSuccess, clock.Now()))
	require.NoError(t, s.store.DeleteCheck(ctx, other.ID))
	require.Equal(t, 2, inboxLen(t, s))

	next := New(s.store, clock, Config{Manual: true}) // s never applied them
	next.Start()
	t.Cleanup(next.Stop)
	require.NoError(t, next.Sync(ctx)) // applied as it starts, or by this read
	assert.Equal(t, 0, inboxLen(t, next))
	got, err := next.store.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, core.StatusFailed, got.State.Status)
}

// signalCount counts c's signal entries.
func signalCount(t *testing.T, s *Server, checkID string) int {
	t.Helper()
	n := 0
	page := core.TimelinePage{Limit: 1000, Kinds: []core.EntryKind{core.EntrySignal}}
	for {
		es, err := s.store.Timeline(context.Background(), checkID, page)
		require.NoError(t, err)
		n += len(es)
		if len(es) < page.Limit {
			return n
		}
		page.BeforeAt, page.BeforeID = es[len(es)-1].At, es[len(es)-1].ID
	}
}

// TestInboxAppliedOnce: when the writer applies part of the inbox, read
// back after another transaction wrote, what it had committed there
// itself is no longer what waits: nothing is applied twice.
func TestInboxAppliedOnce(t *testing.T) {
	s, clock, c, _ := newInboxServer(t)
	g := s.ingest
	require.True(t, g.applyInbox())
	require.True(t, g.pendingOK)
	sigs := make([]core.Signal, inboxChunk)
	for i := range sigs {
		sigs[i] = liveSig(core.SignalSuccess, clock.Now().Add(time.Duration(i)*time.Millisecond))
	}
	send(t, s, c.PublicID, sigs...)
	require.Len(t, g.pending, inboxChunk)
	other := *c
	other.ID, other.PublicID, other.Slug = "other-id", "other-public-id", "other"
	require.NoError(t, s.store.CreateCheck(context.Background(), &other)) // another writer
	require.True(t, g.applyInbox())                                       // one chunk, read back
	send(t, s, c.PublicID, liveSig(core.SignalSuccess, clock.Now().Add(time.Hour)))
	require.True(t, g.applyInbox())
	assert.Equal(t, inboxChunk+1, signalCount(t, s, c.ID), "each acknowledged signal once")
	assert.Equal(t, 0, inboxLen(t, s))
}

// TestInboxUnknownCheck: a signal to a check that does not exist is
// refused as applying it would refuse it; the rest of its batch goes to
// the inbox.
func TestInboxUnknownCheck(t *testing.T) {
	s, clock, c, _ := newInboxServer(t)
	now := clock.Now()
	batch := []*ingestReq{
		{publicID: c.PublicID, sig: liveSig(core.SignalSuccess, now), done: make(chan error, 1)},
		{publicID: "no-such-check", sig: liveSig(core.SignalSuccess, now), done: make(chan error, 1)},
	}
	for _, r := range batch {
		r.take()
	}
	s.ingest.commit(batch)
	require.NoError(t, <-batch[0].done)
	err := <-batch[1].done
	assert.True(t, core.IsNotFound(err), "%v", err)
	assert.Equal(t, 1, inboxLen(t, s))
}

// TestInboxWhileApplyingFails: while the writer cannot apply the inbox,
// signals are applied at once (refused when that fails too) rather than
// piling up acknowledged in an inbox nothing applies; the next start
// applies all that waits, chunk after chunk.
func TestInboxWhileApplyingFails(t *testing.T) {
	s, clock, c, _ := newInboxServer(t)
	s.ingest.retryApply = time.Now().Add(time.Hour) // as after a failure
	send(t, s, c.PublicID, liveSig(core.SignalFail, clock.Now()))
	assert.Equal(t, 0, inboxLen(t, s), "applied at once")
	got, err := s.store.Check(context.Background(), c.ID)
	require.NoError(t, err)
	assert.Equal(t, core.StatusFailed, got.State.Status)

	s.ingest.retryApply = time.Time{}
	sigs := make([]core.Signal, inboxChunk+10)
	for i := range sigs {
		sigs[i] = liveSig(core.SignalSuccess, clock.Now().Add(time.Duration(i)*time.Millisecond))
	}
	send(t, s, c.PublicID, sigs...)
	require.Equal(t, len(sigs), inboxLen(t, s))
	s.Start()
	s.Stop()
	assert.Equal(t, 0, inboxLen(t, s), "all of it applied")
	assert.Equal(t, len(sigs)+1, signalCount(t, s, c.ID))
}

// TestInboxSyncWaitsForItsRequest: a read waiting for another to apply
// the inbox gives up when its request ends.
func TestInboxSyncWaitsForItsRequest(t *testing.T) {
	s, clock, c, _ := newInboxServer(t)
	send(t, s, c.PublicID, liveSig(core.SignalSuccess, clock.Now()))
	s.ingest.syncing <- struct{}{} // another read is applying it
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, s.Sync(ctx), context.DeadlineExceeded)
	<-s.ingest.syncing
	require.NoError(t, s.Sync(context.Background()))
	assert.Equal(t, 0, inboxLen(t, s))
}
