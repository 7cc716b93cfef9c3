package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// ingestReq is one signal waiting to be committed.
type ingestReq struct {
	publicID string
	sig      core.Signal
	done     chan error   // buffered: receives exactly one value unless abandoned
	state    atomic.Int32 // reqQueued, then reqTaken by the writer or reqAbandoned by the handler
}

const (
	reqQueued int32 = iota
	reqTaken
	reqAbandoned
)

// take marks r as taken into a batch; false when its handler gave up on it.
func (r *ingestReq) take() bool { return r.state.CompareAndSwap(reqQueued, reqTaken) }

// abandon withdraws r from the queue; false when the writer already took it.
func (r *ingestReq) abandon() bool { return r.state.CompareAndSwap(reqQueued, reqAbandoned) }

// ingester is the single writer of signals. It takes whatever has queued,
// commits it as one transaction (group commit) and only then answers every
// request of the batch, so an acknowledged ping is durable and the cost of
// a commit is shared by the whole batch. On a store that keeps an inbox
// (core.Inbox: SQLite) a batch of live signals is committed there, and
// the writer applies the inbox to the checks later, many signals at a
// time (applyInbox); whatever decides from or reads check states applies
// it first (sync, and the transactions of the evaluation and of API
// changes).
//
// The queue is bounded (Config.IngestQueue) and so is every wait
// (Config.IngestTimeout): when the store stalls, pings are answered 503
// with Retry-After instead of piling up handlers without bound.
type ingester struct {
	s    *Server
	reqs chan *ingestReq
	quit chan struct{}
	once sync.Once
	done chan struct{}

	// known are the checks, by public ID, as the writer's last
	// transaction committed them, and knownMark the database's change
	// mark at its end (core.ChangeMarker): a batch whose transaction
	// starts at the same mark, nothing having changed the database in
	// between, uses them instead of reading them again. nil when unknown.
	// Only the writer goroutine uses them.
	known     map[string]*core.Check
	knownMark core.ChangeMark

	// inbox: the store keeps an inbox (core.Inbox; found as the writer
	// starts), so
	// the writer acknowledges a batch of live signals once it is there
	// and applies them to their checks later, many at a time.
	inbox bool
	// inboxed counts the signals the writer committed to the inbox.
	// applied is the count of them that some transaction has applied:
	// one that found the inbox empty once it had applied it (drained)
	// sets it to inboxed as it was when it began. A read waits while
	// inboxed > applied (sync).
	inboxed, applied atomic.Int64
	// syncing holds a token while a sync applies the inbox: one at a
	// time; the others wait for it (or for their request to end) and
	// find their signals applied.
	syncing chan struct{}
	// retryApply: the writer's last application of the inbox failed; it
	// tries again then (a signal's own transaction applies it too).
	retryApply time.Time
	// pending is what the inbox holds, as the writer committed it, when
	// pendingOK and the change mark says nothing else wrote since (known
	// is not nil): the writer then applies it without reading it back.
	pending   []core.InboxEntry
	pendingOK bool
}

const (
	// inboxApplyAt: the writer applies the inbox once this many
	// signals wait in it,
	inboxApplyAt = 250
	// inboxIdle: or once no signal came for this long.
	inboxIdle = 2 * time.Millisecond
	// inboxChunk: the most inbox entries read at a time.
	inboxChunk = 1000
	// maxWaiting: with this many signals waiting in the inbox, or while
	// applying it fails, signals are applied at once, and refused when
	// that fails: the inbox does not grow while it cannot be applied.
	maxWaiting = 5000
)

// maxKnown bounds ingester.known: past it, the writer keeps only the
// checks of its last batch.
const maxKnown = 10_000

func newIngester(s *Server) *ingester {
	g := &ingester{
		s:       s,
		reqs:    make(chan *ingestReq, s.cfg.IngestQueue),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		syncing: make(chan struct{}, 1),
	}
	g.inboxed.Store(1) // what an earlier server left there, if anything (startInbox)
	return g
}

var (
	errShuttingDown = core.Errorf(core.EUNAVAILABLE, "server is shutting down").WithHint("retry in a moment")
	errQueueFull    = core.Errorf(core.EUNAVAILABLE, "server is busy: too many signals are waiting to be stored").
			WithHint("retry in a moment; the signal was not recorded")
	errNotStored = core.Errorf(core.EUNAVAILABLE, "server is busy: the signal was not stored in time").
			WithHint("retry in a moment; the signal was not recorded")
	errUnconfirmed = core.Errorf(core.EUNAVAILABLE, "server is busy: storing the signal is taking too long, it may or may not be recorded").
			WithHint("retry in a moment; a repeat sent with the same ts and rid is recorded once")
)

// submit queues a signal and waits until it is committed (nil) or
// refused. It never waits longer than Config.IngestTimeout, nor after ctx
// is done, and refuses at once when the queue is full.
func (g *ingester) submit(ctx context.Context, publicID string, sig core.Signal) error {
	err := g.wait(ctx, publicID, sig)
	switch err {
	case errQueueFull, errNotStored, errUnconfirmed, errStoreTimeout:
		g.s.metrics.overloaded.Add(1)
	}
	return err
}

func (g *ingester) wait(ctx context.Context, publicID string, sig core.Signal) error {
	req := &ingestReq{publicID: publicID, sig: sig, done: make(chan error, 1)}
	select {
	case <-g.quit:
		return errShuttingDown
	default:
	}
	select {
	case g.reqs <- req:
	case <-g.quit:
		return errShuttingDown
	default:
		return errQueueFull
	}
	t := time.NewTimer(g.s.cfg.IngestTimeout)
	defer t.Stop()
	select {
	case err := <-req.done:
		return err
	case <-t.C:
	case <-ctx.Done():
	}
	select {
	case err := <-req.done: // answered at the last moment
		return err
	default:
	}
	if req.abandon() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errNotStored
	}
	return errUnconfirmed
}

// stop refuses new signals, commits and answers those already queued, and
// returns when the writer has ended.
func (g *ingester) stop() {
	g.once.Do(func() { close(g.quit) })
	<-g.done
}

func (g *ingester) run() {
	defer close(g.done)
	g.startInbox()
	idle := time.NewTimer(inboxIdle)
	defer idle.Stop()
	for {
		var wait <-chan time.Time // when the inbox is applied if nothing comes first
		if g.inbox && g.waiting() > 0 {
			idle.Reset(max(inboxIdle, time.Until(g.retryApply)))
			wait = idle.C
		}
		var first *ingestReq
		select {
		case first = <-g.reqs:
		case <-wait:
			g.applyInbox()
			continue
		case <-g.quit:
			g.drain()
			for g.inbox && g.waiting() > 0 && g.applyInbox() {
			}
			return
		}
		g.take(g.fill(first))
	}
}

// take commits a batch and, once enough signals wait in the inbox,
// applies them.
func (g *ingester) take(batch []*ingestReq) {
	g.commit(batch)
	if g.waiting() >= inboxApplyAt && time.Now().After(g.retryApply) {
		g.applyInbox()
	}
}

// waiting is about how many acknowledged signals wait in the inbox.
func (g *ingester) waiting() int64 { return g.inboxed.Load() - g.applied.Load() }

// drained records that a transaction that began when g.inboxed was seen
// applied everything in the inbox.
func (g *ingester) drained(seen int64) {
	for {
		a := g.applied.Load()
		if a >= seen || g.applied.CompareAndSwap(a, seen) {
			return
		}
	}
}

// startInbox finds whether the store keeps an inbox and applies what a
// server that stopped without doing so left in it, before the writer
// takes any signal. (Until then inboxed is 1, applied 0: a read applies
// them itself.)
func (g *ingester) startInbox() {
	if ib, ok := g.s.store.(core.Inbox); ok {
		g.inbox = ib.KeepsInbox()
	}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), g.s.cfg.IngestTimeout)
		n, drained, err := g.s.applyInbox(ctx, inboxChunk)
		cancel()
		if err != nil {
			g.s.logf("ingest: applying the signals left in the inbox: %v (the next transaction that needs them applies them)", err)
			return
		}
		if n > 0 {
			g.s.logf("ingest: applied %d acknowledged signal(s) left in the inbox", n)
		}
		if drained {
			return
		}
	}
}

// sync applies the inbox when acknowledged signals wait in it, so that a
// read that follows sees every signal acknowledged before it began. One
// caller at a time applies it; the others wait and, most often, find
// theirs applied.
func (g *ingester) sync(ctx context.Context) error {
	target := g.inboxed.Load()
	if g.applied.Load() >= target {
		return nil
	}
	select {
	case g.syncing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.syncing }()
	if g.applied.Load() >= target {
		return nil
	}
	_, _, err := g.s.applyInbox(ctx, 0)
	return err
}

// applyInbox applies the inbox in a transaction of its own, at most max
// entries (all when 0), and returns how many it applied and whether that
// drained it.
func (s *Server) applyInbox(ctx context.Context, max int) (n int64, drained bool, err error) {
	var alerts int
	var seen int64
	err = s.store.Update(ctx, func(q core.Queries) error {
		seen = s.ingest.inboxed.Load()
		w := newWriter(ctx, s, q)
		var err error
		n, drained, err = w.applyInbox(nil, max)
		alerts = w.alerts
		return err
	})
	if err != nil {
		return 0, false, err
	}
	s.ingest.didApply(n, drained, seen, alerts)
	return n, drained, nil
}

// didApply follows a committed transaction that applied n inbox entries
// and, when drained, everything inboxed when it began (seen).
func (g *ingester) didApply(n int64, drained bool, seen int64, alerts int) {
	if drained {
		g.drained(seen)
	}
	if n > 0 {
		wake(g.s.evalWake) // the signals moved deadlines
	}
	if alerts > 0 {
		wake(g.s.alertWake)
	}
}

// applyInbox is the writer's application of the inbox: at most
// inboxChunk entries, in its own transaction, with the checks it keeps;
// false when it failed.
func (g *ingester) applyInbox() bool {
	if !g.inbox {
		return false
	}
	s := g.s
	var w *writer
	var known map[string]*core.Check
	var end *core.ChangeMark
	var n int64
	var drained bool
	var seen int64
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.IngestTimeout)
	defer cancel()
	err := s.store.Update(ctx, func(q core.Queries) error {
		w, end, seen = newWriter(ctx, s, q), nil, g.inboxed.Load()
		var err error
		if known, err = g.knownChecks(ctx, q); err != nil {
			return err
		}
		if n, drained, err = g.applyPending(w, known, inboxChunk); err != nil {
			return err
		}
		end, err = changeMark(ctx, q)
		return err
	})
	g.remember(w, end, known, err)
	g.afterApply(drained, err)
	if err != nil {
		g.retryApply = time.Now().Add(errorWait)
		s.logf("ingest: applying the inbox: %v (retrying in %s; meanwhile signals are applied as they come)", err, errorWait)
		return false
	}
	g.retryApply = time.Time{}
	g.didApply(n, drained, seen, w.alerts)
	return true
}

// applyPending applies the inbox in the writer's transaction: what it
// committed there itself (pending) when nothing else wrote since and it is
// no more than max (0: any), without reading it back; else up to max
// entries as read (all when 0).
func (g *ingester) applyPending(w *writer, known map[string]*core.Check, max int) (n int64, drained bool, err error) {
	ib, ok := w.q.(core.Inbox)
	if !ok || !ib.KeepsInbox() {
		return 0, true, nil
	}
	if known == nil || !g.pendingOK || (max > 0 && len(g.pending) > max) {
		return w.applyInbox(known, max)
	}
	if len(g.pending) == 0 {
		return 0, true, nil
	}
	if err := w.applyEntries(g.pending, known); err != nil {
		return 0, false, err
	}
	return int64(len(g.pending)), true, ib.DeleteInbox(w.ctx, 0)
}

// afterApply follows the writer's transaction that applied the inbox:
// after a drain the inbox is empty and the writer knows it; after part of
// it, or a failure, the writer knows nothing of it.
func (g *ingester) afterApply(drained bool, err error) {
	if err != nil || !drained {
		g.pendingOK = false // it holds what it read back: not pending
		return
	}
	g.pending, g.pendingOK = g.pending[:0], true
}

// errSlowPath: a batch cannot go to the inbox as it is.
var errSlowPath = errors.New("not for the inbox")

// commitInbox commits the signals of a batch of live signals whose check
// exists to the inbox and answers them all (the others not found); false
// when it did nothing and the batch must be applied at once
// (commitBatch).
func (g *ingester) commitInbox(batch []*ingestReq) bool {
	s := g.s
	var known map[string]*core.Check
	var end *core.ChangeMark
	var entries []core.InboxEntry
	refused := map[string]error{} // by public ID: checks that do not exist
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.IngestTimeout)
	defer cancel()
	err := s.store.Update(ctx, func(q core.Queries) error {
		ib, ok := q.(core.Inbox)
		if !ok || !ib.KeepsInbox() {
			return errSlowPath
		}
		end = nil
		var err error
		if known, err = g.knownChecks(ctx, q); err != nil {
			return err
		}
		if known == nil {
			g.pendingOK = false // another transaction may have applied it
		}
		var missing []string
		for _, r := range batch {
			if _, ok := known[r.publicID]; !ok && !slices.Contains(missing, r.publicID) {
				missing = append(missing, r.publicID)
			}
		}
		clear(refused)
		if len(missing) > 0 {
			cs, err := q.ChecksByPublicID(ctx, missing)
			if err != nil {
				return err
			}
			if known == nil || len(known)+len(cs) > maxKnown {
				known = make(map[string]*core.Check, len(cs))
			}
			for i := range cs {
				known[cs[i].PublicID] = &cs[i]
			}
			for _, id := range missing {
				if _, ok := known[id]; ok {
					continue
				}
				// No such check: answered as applying the signal would.
				_, err := q.CheckByPublicID(ctx, id)
				if !core.IsNotFound(err) {
					return cmp.Or(err, errSlowPath) // created meanwhile
				}
				refused[id] = err
			}
		}
		now := s.clock.Now()
		entries = entries[:0]
		for _, r := range batch {
			if refused[r.publicID] == nil {
				entries = append(entries, core.InboxEntry{PublicID: r.publicID, TakenAt: now, Signal: r.sig})
			}
		}
		if len(entries) > 0 {
			if err := ib.AddInbox(ctx, entries); err != nil {
				return err
			}
		}
		end, err = changeMark(ctx, q)
		return err
	})
	switch {
	case errors.Is(err, errSlowPath):
		// Rolled back having written nothing: what the writer knows
		// still holds.
	case err != nil || end == nil:
		g.known, g.pendingOK = nil, false
	default:
		g.known, g.knownMark = known, *end
		if g.pendingOK {
			g.pending = append(g.pending, entries...)
		}
	}
	switch {
	case errors.Is(err, errSlowPath):
		return false
	case err != nil && ctx.Err() != nil:
		s.logf("ingest: storing %d signal(s) took longer than %s: %v", len(batch), s.cfg.IngestTimeout, err)
		g.answer(batch, errStoreTimeout)
		return true
	case err != nil:
		return false // applied at once, each on its own if need be
	}
	g.inboxed.Add(int64(len(entries)))
	for _, r := range batch {
		if err := refused[r.publicID]; err != nil {
			r.done <- err
			continue
		}
		s.metrics.signal(r.sig.Kind)
		r.done <- nil
	}
	s.metrics.batch(len(batch))
	return true
}

// live reports whether every signal of batch is sent in real time (no
// ts): only those go to the inbox. A signal that says when it happened
// may repeat one already stored, which applying it checks.
func live(batch []*ingestReq) bool {
	for _, r := range batch {
		if !r.sig.OccurredAt.Equal(r.sig.ReceivedAt) {
			return false
		}
	}
	return true
}

// fill returns a batch of first and whatever else is queued, up to
// Config.MaxBatch, leaving out the requests whose handler gave up.
func (g *ingester) fill(first *ingestReq) []*ingestReq {
	var batch []*ingestReq
	if first.take() {
		batch = append(batch, first)
	}
	for len(batch) < g.s.cfg.MaxBatch {
		select {
		case r := <-g.reqs:
			if r.take() {
				batch = append(batch, r)
			}
		default:
			return batch
		}
	}
	return batch
}

// drain commits what is still queued at shutdown.
func (g *ingester) drain() {
	for {
		select {
		case r := <-g.reqs:
			g.commit(g.fill(r))
		default:
			return
		}
	}
}

// commit applies a batch in one transaction and answers each request.
// When the transaction fails, each request is committed on its own, so a
// signal that cannot be stored does not take the rest of the batch with it.
func (g *ingester) commit(batch []*ingestReq) {
	if len(batch) == 0 {
		return
	}
	if g.inbox && live(batch) && g.waiting() < maxWaiting && !time.Now().Before(g.retryApply) && g.commitInbox(batch) {
		return
	}
	if len(batch) > 1 {
		// Applying a signal fills in some of its fields: start again from
		// the signals as received.
		sigs := make([]core.Signal, len(batch))
		for i, r := range batch {
			sigs[i] = r.sig
		}
		if err := g.commitBatch(batch, false); err != nil {
			if errors.Is(err, errStoreTimeout) {
				g.answer(batch, err) // stalled, not one bad signal
				return
			}
			for i, r := range batch {
				r.sig = sigs[i]
				_ = g.commitBatch([]*ingestReq{r}, true)
			}
		}
		return
	}
	_ = g.commitBatch(batch, true)
}

// commitBatch applies batch in one transaction. It answers every request
// unless the transaction failed and answerFailure is false; it returns
// the transaction's error.
func (g *ingester) commitBatch(batch []*ingestReq, answerFailure bool) error {
	s := g.s
	results := make([]error, len(batch))
	var alerts int
	var w *writer
	var known map[string]*core.Check
	var end *core.ChangeMark // the mark at the end of the transaction
	var applied, seen int64  // inbox entries applied first; inboxed when it began
	var drained bool
	// The transaction is bounded like the requests it answers; a
	// shutdown does not cut it short.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.IngestTimeout)
	defer cancel()
	err := s.store.Update(ctx, func(q core.Queries) error {
		alerts = 0
		w, end, seen = newWriter(ctx, s, q), nil, g.inboxed.Load()
		var err error
		if known, err = g.knownChecks(ctx, q); err != nil {
			return err
		}
		// The signals acknowledged before these come first.
		if applied, drained, err = g.applyPending(w, known, 0); err != nil {
			return err
		}
		ids := make([]string, len(batch))
		for i, r := range batch {
			ids[i] = r.publicID
		}
		if err := w.load(ids, known); err != nil {
			return err
		}
		for i, r := range batch {
			err := w.signal(r.publicID, &r.sig)
			if err != nil && !core.IsNotFound(err) {
				return err // a storage error: roll the transaction back
			}
			results[i] = err
		}
		if err := w.flush(); err != nil {
			return err
		}
		alerts = w.alerts
		if end, err = changeMark(ctx, q); err != nil {
			return err
		}
		return nil
	})
	if err != nil && ctx.Err() != nil {
		s.logf("ingest: storing %d signal(s) took longer than %s: %v", len(batch), s.cfg.IngestTimeout, err)
		err = errStoreTimeout
	}
	g.remember(w, end, known, err)
	g.afterApply(drained, err)
	if err == nil && drained {
		g.retryApply = time.Time{} // applying works again
	}
	if err != nil && !answerFailure {
		return err
	}
	for i, r := range batch {
		if err != nil {
			r.done <- err
			continue
		}
		if results[i] == nil {
			s.metrics.signal(r.sig.Kind)
		}
		r.done <- results[i]
	}
	if err == nil {
		s.metrics.batch(len(batch))
		wake(s.evalWake)
		g.didApply(applied, drained, seen, alerts)
	}
	return err
}

// knownChecks returns the checks the writer's last transaction committed
// when nothing has changed the database since (nil otherwise).
func (g *ingester) knownChecks(ctx context.Context, q core.Queries) (map[string]*core.Check, error) {
	if g.known == nil {
		return nil, nil
	}
	start, err := changeMark(ctx, q)
	if err != nil || start == nil || *start != g.knownMark {
		return nil, err
	}
	return g.known, nil
}

// changeMark returns q's change mark (core.ChangeMarker), or nil when its
// store cannot tell whether the database changed.
func changeMark(ctx context.Context, q core.Queries) (*core.ChangeMark, error) {
	cm, ok := q.(core.ChangeMarker)
	if !ok {
		return nil, nil
	}
	m, ok, err := cm.ChangeMark(ctx)
	if err != nil || !ok {
		return nil, err
	}
	return &m, nil
}

// remember keeps the checks w saved, once its transaction committed (err
// == nil) with the database at mark end, with those known before it when
// it began with them (known). A failed transaction leaves nothing known:
// its checks were changed in memory and not saved.
func (g *ingester) remember(w *writer, end *core.ChangeMark, known map[string]*core.Check, err error) {
	if err != nil || end == nil {
		g.known = nil
		return
	}
	if known == nil || len(known)+len(w.saved) > maxKnown {
		known = make(map[string]*core.Check, len(w.saved))
	}
	for _, c := range w.saved {
		known[c.PublicID] = c // its times as reading it back gives them (apply)
	}
	g.known, g.knownMark = known, *end
}

// errStoreTimeout answers the signals of a transaction that did not end
// within Config.IngestTimeout: it was rolled back.
var errStoreTimeout = core.Errorf(core.EUNAVAILABLE, "server is busy: storing the signal timed out").
	WithHint("retry in a moment; the signal was not recorded")

// answer answers every request of batch with err.
func (g *ingester) answer(batch []*ingestReq, err error) {
	for _, r := range batch {
		r.done <- err
	}
}

// writer applies status changes inside one transaction: it keeps each
// check it touched, so several signals to one check in a batch see each
// other, and records transitions, notes and alerts. The timeline entries
// and each check's state are written by flush, all at once (a few bulk
// statements for a whole batch rather than two per signal).
type writer struct {
	s        *Server
	q        core.Queries
	ctx      context.Context
	checks   map[string]*core.Check // by public ID
	dirty    []*core.Check          // to be saved by flush
	isDirty  map[*core.Check]bool
	saved    []*core.Check             // by flush
	entries  []*core.TimelineEntry     // not yet written
	channels map[string][]core.Channel // by org ID
	projects map[string]string         // project names by ID
	alerts   int
	// at, when set, is the time the signal being applied was taken by
	// the ingest writer (an inbox entry's): its application's "now".
	at time.Time
}

// now is the time of what the writer is applying: the server's clock, or
// when an inbox entry's signal was taken.
func (w *writer) now() time.Time {
	if !w.at.IsZero() {
		return w.at
	}
	return w.s.clock.Now()
}

// touch marks c to be saved by flush.
func (w *writer) touch(c *core.Check) {
	if !w.isDirty[c] {
		w.isDirty[c] = true
		w.dirty = append(w.dirty, c)
	}
}

func newWriter(ctx context.Context, s *Server, q core.Queries) *writer {
	return &writer{
		s: s, q: q, ctx: ctx,
		checks:   map[string]*core.Check{},
		isDirty:  map[*core.Check]bool{},
		channels: map[string][]core.Channel{},
		projects: map[string]string{},
	}
}

// load takes the checks of publicIDs that are not in the transaction yet
// from known (the writer's last transaction's, when nothing else was
// written since) and reads (and, on PostgreSQL, locks, in a stable order)
// the others in one query.
func (w *writer) load(publicIDs []string, known map[string]*core.Check) error {
	ids := make([]string, 0, len(publicIDs))
	seen := make(map[string]bool, len(publicIDs))
	for _, id := range publicIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, ok := w.checks[id]; ok {
			continue
		}
		if c, ok := known[id]; ok {
			w.checks[c.PublicID] = c
			continue
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil
	}
	cs, err := w.q.ChecksByPublicID(w.ctx, ids)
	if err != nil {
		return err
	}
	for i := range cs {
		w.checks[cs[i].PublicID] = &cs[i]
	}
	return nil
}

func (w *writer) signal(publicID string, sig *core.Signal) error {
	c, ok := w.checks[publicID]
	if !ok {
		var err error
		c, err = w.q.CheckByPublicID(w.ctx, publicID)
		if err != nil {
			return err
		}
		w.checks[publicID] = c
	}
	w.touch(c)
	// A signal sent in real time (no ts) is applied in the order the
	// writer takes it: its handler may have read the clock a moment
	// before another one's that was queued first, or the clock may have
	// stepped back. Only a signal that says when it happened can be stale.
	if last := c.State.LastSignalAt; sig.OccurredAt.Equal(sig.ReceivedAt) && sig.OccurredAt.Before(last) {
		sig.OccurredAt, sig.ReceivedAt = last, last
	}
	mode := alertLive
	if !sig.OccurredAt.Equal(sig.ReceivedAt) {
		// A signal that says when it happened comes from a client's
		// spool, which re-sends it when an answer was lost: acknowledge
		// a repeat without recording it twice.
		if dup, err := w.duplicate(c.ID, sig); err != nil || dup {
			return err
		}
		if sig.ReceivedAt.Sub(sig.OccurredAt) > replayAge {
			mode = alertReplayed
			if sig.OccurredAt.Before(c.State.LastSignalAt) {
				mode = alertStale
			}
		}
	}
	res := status.Apply(c, sig, sig.ReceivedAt)
	sig.CheckID = c.ID
	if sig.Duration == 0 && res.Duration > 0 {
		sig.Duration = res.Duration
	}
	w.entries = append(w.entries, &core.TimelineEntry{
		CheckID: c.ID, At: sig.OccurredAt, Kind: core.EntrySignal, Signal: sig,
	})
	return w.apply(c, res, sig.OccurredAt, mode)
}

// alertMode is how apply alerts a change of the settled status.
type alertMode int

const (
	// alertLive: at once, as it happens.
	alertLive alertMode = iota
	// alertReplayed: held (core.CheckState.HeldFrom). The signal arrived
	// long after it happened: a client's spool replaying what it kept
	// while the server was unreachable. Its change is history, and a later
	// signal of the same replay may undo it: the net change of the whole
	// replay is alerted once it ends.
	alertReplayed
	// alertStale: never. A replayed signal older than the check's newest
	// signal changes nothing anyone can act on.
	alertStale
)

const (
	// replayAge: a signal that says it happened more than this before it
	// arrived is a replay.
	replayAge = time.Minute
	// replaySettle: a replay has ended when no signal of it arrived for
	// this long; its held alert is then decided.
	replaySettle = 10 * time.Second
)

// duplicate reports whether checkID already has sig: a signal of its
// kind, run id and exit code at exactly its time or, when it has a run id
// (unique per run, as `pakyas monitor` sends them), within the allowed
// clock skew of it — the first attempt may have been stored at the
// server's time before its answer was lost.
func (w *writer) duplicate(checkID string, sig *core.Signal) (bool, error) {
	var window time.Duration
	if sig.RunID != "" {
		window = w.s.cfg.MaxSkew
	}
	// An earlier signal of this batch may be the first copy.
	if err := w.flushTimeline(); err != nil {
		return false, err
	}
	near, err := w.q.Timeline(w.ctx, checkID, core.TimelinePage{
		BeforeAt: sig.OccurredAt.Add(window + time.Nanosecond),
		Limit:    50,
		Kinds:    []core.EntryKind{core.EntrySignal},
	})
	if err != nil {
		return false, err
	}
	for _, e := range near {
		if e.At.Before(sig.OccurredAt.Add(-window)) {
			break // newest first: nothing older can match
		}
		o := e.Signal
		if o != nil && o.Kind == sig.Kind && o.RunID == sig.RunID && sameCode(o.ExitCode, sig.ExitCode) &&
			(window > 0 || e.At.Equal(sig.OccurredAt)) {
			return true, nil
		}
	}
	return false, nil
}

func sameCode(a, b *int) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// apply records res's notes and transitions on c's timeline, queues the
// alerts it decides (at once, held or never, by mode), decides a held
// alert whose replay has ended, and sets c's new state (saved by flush).
func (w *writer) apply(c *core.Check, res status.Result, at time.Time, mode alertMode) error {
	now := w.now()
	st := res.State
	alertsBefore := w.alerts
	for _, n := range res.Notes {
		w.note(c, at, n)
	}
	for i, t := range res.Transitions {
		w.entries = append(w.entries, &core.TimelineEntry{
			CheckID: c.ID, At: t.At, Kind: core.EntryTransition, From: t.From, To: t.To, Reason: t.Reason,
		})
		if !alerts(res.Transitions, i) {
			continue
		}
		var err error
		switch {
		case mode == alertStale:
			w.note(c, t.At, fmt.Sprintf("no alert: the signal arrived %s late, after newer ones (replayed from a spool); this change is history",
				now.Sub(at).Round(time.Second)))
		case mode == alertReplayed:
			if st.HeldFrom == "" {
				st.HeldFrom = res.Transitions[0].From
			}
			w.note(c, t.At, fmt.Sprintf("alert held: the signal arrived %s late (replayed from a spool); the net change is alerted when the replay ends",
				now.Sub(at).Round(time.Second)))
		case st.HeldFrom != "":
			// A live change ends the replay: its alert is the net change
			// since before the replay.
			err = w.release(c, &st, t, at)
		default:
			err = w.alertAfter(c, &st, t, res.Transitions[0].From)
		}
		if err != nil {
			return err
		}
	}
	if err := w.failAgain(c, &st, at, len(res.Transitions) > 0); err != nil {
		return err
	}
	if st.HeldFrom != "" && mode == alertReplayed {
		st.HeldUntil = now.Add(replaySettle)
	}
	if st.HeldFrom != "" && !now.Before(st.HeldUntil) {
		t := core.Transition{From: st.HeldFrom, To: st.Status, At: now,
			Reason: "replayed signals (sent late from a spool after an outage) left the check " + st.Status.Label() +
				"; it was " + st.HeldFrom.Label() + " before them"}
		if err := w.release(c, &st, t, now); err != nil {
			return err
		}
	}
	if err := w.remind(c, &st, now, w.alerts > alertsBefore, len(res.Transitions) > 0); err != nil {
		return err
	}
	if len(res.Transitions) > 0 && parentIsDown(res.Transitions[0].From) && !parentIsDown(st.Status) {
		if err := w.releaseDependents(c, now); err != nil {
			return err
		}
	}
	if st.HeldFrom != "" && (st.NextEvalAt.IsZero() || st.HeldUntil.Before(st.NextEvalAt)) {
		st.NextEvalAt = st.HeldUntil // the evaluation loop decides it then
	}
	if !st.NextReminderAt.IsZero() && (st.NextEvalAt.IsZero() || st.NextReminderAt.Before(st.NextEvalAt)) {
		st.NextEvalAt = st.NextReminderAt
	}
	st.Normalize() // times as the store keeps them, for later signals of this batch and the next
	c.State = st
	return nil
}

// parentIsDown: the statuses of a check that hold its dependents' alerts.
func parentIsDown(s core.Status) bool { return s == core.StatusDown || s == core.StatusFailed }

// parentDown returns c's parent (Check.DependsOn) when it is Missing or
// Failed, and nil otherwise. A parent in this transaction is seen as it is
// now; another is read as last committed, without a lock.
func (w *writer) parentDown(c *core.Check) (*core.Check, error) {
	if c.DependsOn == "" {
		return nil, nil
	}
	var p *core.Check
	for _, x := range w.checks {
		if x.ID == c.DependsOn {
			p = x
		}
	}
	if p == nil {
		var err error
		if p, err = w.s.store.Check(w.ctx, c.DependsOn); core.IsNotFound(err) {
			return nil, nil // deleted: nothing to wait for
		} else if err != nil {
			return nil, err
		}
	}
	if parentIsDown(p.State.Status) {
		return p, nil
	}
	return nil, nil
}

// releaseDependents alerts, now that parent recovered, the checks that
// depend on it whose alerts it held and that are still bad.
func (w *writer) releaseDependents(parent *core.Check, now time.Time) error {
	deps, err := w.q.Dependents(w.ctx, parent.ID)
	if err != nil {
		return err
	}
	for i := range deps {
		d := &deps[i]
		if x, ok := w.checks[d.PublicID]; ok {
			d = x // already in this transaction
		}
		told := d.State.DepHeld
		if told == "" {
			continue
		}
		w.checks[d.PublicID] = d // later signals of this transaction see the change
		w.touch(d)
		d.State.DepHeld = ""
		t := core.Transition{From: told, To: d.State.Status, At: now,
			Reason: fmt.Sprintf("%s recovered; this check is still %s", parent.Slug, d.State.Status.Label())}
		if !t.Alerts() {
			continue
		}
		w.note(d, now, "alert sent: "+t.Reason)
		if err := w.queueAlerts(d, t); err != nil {
			return err
		}
	}
	return nil
}

// remind keeps a bad status's reminders (Check.RemindEvery): the first
// is due one interval after the status was alerted, then one each interval
// while it stays; any other status, or a pause, ends them.
func (w *writer) remind(c *core.Check, st *core.CheckState, now time.Time, alerted, changed bool) error {
	switch {
	case c.RemindEvery <= 0 || !st.Status.Bad():
		st.NextReminderAt = time.Time{}
	case alerted:
		st.NextReminderAt = now.Add(c.RemindEvery)
	case !changed && !st.NextReminderAt.IsZero() && !now.Before(st.NextReminderAt):
		if err := w.queueAlerts(c, core.Transition{From: st.Status, To: st.Status, At: now,
			Reason: fmt.Sprintf("reminder: still %s since %s (every %s until it recovers)",
				st.Status.Label(), st.StatusSince.UTC().Format("2006-01-02 15:04 UTC"), c.RemindEvery)}); err != nil {
			return err
		}
		w.note(c, now, "reminder sent: still "+st.Status.Label())
		st.NextReminderAt = now.Add(c.RemindEvery)
	}
	return nil
}

// alertAfter queues t's alerts, unless the check alerts failures only
// after several in a row (Check.AlertAfter): then a change into Failed is
// held until the streak reaches it, and a change out of a Failed nobody was
// told about is alerted from what they were told (a recovery: not at all).
// from is the status before the event's first transition.
func (w *writer) alertAfter(c *core.Check, st *core.CheckState, t core.Transition, from core.Status) error {
	// A check whose parent is down keeps quiet: the parent's alert says it.
	switch parent, err := w.parentDown(c); {
	case err != nil:
		return err
	case parent != nil && t.To.Bad():
		if st.DepHeld == "" {
			st.DepHeld = from
		}
		w.note(c, t.At, fmt.Sprintf("alert held: it depends on %s, which is %s; it is alerted if still %s when %s recovers",
			parent.Slug, parent.State.Status.Label(), t.To.Label(), parent.Slug))
		return nil
	case st.DepHeld != "" && !t.To.Bad():
		told := st.DepHeld
		st.DepHeld = ""
		if !(core.Transition{From: told, To: t.To}).Alerts() {
			w.note(c, t.At, "no alert: the failure was held while the check it depends on was down")
			return nil
		}
	}
	switch {
	case t.To == core.StatusFailed && c.AlertAfter > 1 && st.FailStreak < c.AlertAfter:
		if st.FailHeld == "" {
			st.FailHeld = from
		}
		w.note(c, t.At, fmt.Sprintf("alert held: %d of %d failures (--alert-after %d)", st.FailStreak, c.AlertAfter, c.AlertAfter))
		return nil
	case st.FailHeld != "" && t.From == core.StatusFailed:
		told := st.FailHeld
		st.FailHeld = ""
		if !(core.Transition{From: told, To: t.To}).Alerts() {
			w.note(c, t.At, fmt.Sprintf("no alert: the failure was not alerted (%d of %d failures)", st.FailStreak, c.AlertAfter))
			return nil
		}
		t.From = told
	}
	return w.queueAlerts(c, t)
}

// failAgain alerts a held failure once a further failure, which changes no
// status, brings the streak to Check.AlertAfter, or notes the count.
func (w *writer) failAgain(c *core.Check, st *core.CheckState, at time.Time, changed bool) error {
	if st.FailHeld == "" || st.Status != core.StatusFailed || changed || st.FailStreak <= c.State.FailStreak {
		return nil
	}
	if st.FailStreak < c.AlertAfter {
		w.note(c, at, fmt.Sprintf("alert held: %d of %d failures (--alert-after %d)", st.FailStreak, c.AlertAfter, c.AlertAfter))
		return nil
	}
	from := st.FailHeld
	st.FailHeld = ""
	return w.queueAlerts(c, core.Transition{From: from, To: core.StatusFailed, At: at,
		Reason: fmt.Sprintf("%d failures in a row (--alert-after %d)", st.FailStreak, c.AlertAfter)})
}

// release decides st's held alert: the net change from the status before
// the replay to t.To is alerted, as t, or a note says why nothing is.
func (w *writer) release(c *core.Check, st *core.CheckState, t core.Transition, at time.Time) error {
	from := st.HeldFrom
	st.HeldFrom, st.HeldUntil = "", time.Time{}
	net := core.Transition{From: from, To: t.To, At: t.At, Reason: t.Reason}
	switch {
	case from == t.To:
		w.note(c, at, "no alert: the replayed signals ended where they began ("+from.Label()+")")
		return nil
	case !net.Alerts():
		w.note(c, at, "no alert: the replayed signals' net change, "+from.Label()+" → "+t.To.Label()+", does not alert")
		return nil
	}
	return w.queueAlerts(c, net)
}

// note records a note on c's timeline.
func (w *writer) note(c *core.Check, at time.Time, reason string) {
	w.entries = append(w.entries, &core.TimelineEntry{CheckID: c.ID, At: at, Kind: core.EntryNote, Reason: reason})
}

// alerts reports whether the i-th of one event's transitions alerts. The
// transitions of one event count as one change of the settled status,
// alerted once, on the last one: a bounce that ends where it began (a
// false recovery, then the same bad status again) is a repeat, and an
// intermediate status nobody saw settle is not announced. A resume never
// alerts: it returns to the status the check had before the pause (or
// the outcome of a run while paused, when nobody was watching).
func alerts(ts []core.Transition, i int) bool {
	last := len(ts) - 1
	if i != last || ts[0].From == core.StatusPaused {
		return false
	}
	net := core.Transition{From: ts[0].From, To: ts[last].To}
	return net.Alerts() && ts[last].Alerts()
}

func (w *writer) queueAlerts(c *core.Check, t core.Transition) error {
	chs, ok := w.channels[c.OrgID]
	if !ok {
		var err error
		if chs, err = w.q.Channels(w.ctx, c.OrgID); err != nil {
			return err
		}
		w.channels[c.OrgID] = chs
	}
	if len(chs) == 0 {
		return nil
	}
	project, ok := w.projects[c.ProjectID]
	if !ok {
		p, err := w.q.Project(w.ctx, c.ProjectID)
		if err != nil {
			return err
		}
		project = p.Name
		w.projects[c.ProjectID] = project
	}
	now := w.now()
	for _, ch := range chs {
		if c.Channels != nil && !slices.Contains(c.Channels, ch.ID) {
			continue // not one of the check's channels
		}
		a := &core.Alert{
			CheckID:   c.ID,
			ChannelID: ch.ID,
			Message: core.AlertMessage{
				CheckID: c.ID, PublicID: c.PublicID, Name: c.Name, Slug: c.Slug, Project: project,
				From: t.From, To: t.To, Reason: t.Reason, At: t.At,
			},
			State:         core.AlertPending,
			NextAttemptAt: now,
			CreatedAt:     now,
		}
		if err := w.q.EnqueueAlert(w.ctx, a); err != nil {
			return err
		}
		w.alerts++
	}
	return nil
}

// applyInbox applies up to max entries of the inbox (all when 0), oldest
// first, with the checks in known where they are, writes them (flush) and
// deletes them; it returns how many it applied and whether the inbox is
// now empty. Nothing, on a store without an inbox.
func (w *writer) applyInbox(known map[string]*core.Check, max int) (n int64, drained bool, err error) {
	ib, ok := w.q.(core.Inbox)
	if !ok || !ib.KeepsInbox() {
		return 0, true, nil
	}
	for {
		limit := inboxChunk
		if max > 0 {
			limit = min(limit, max-int(n))
		}
		es, err := ib.InboxEntries(w.ctx, limit)
		if err != nil {
			return n, false, err
		}
		if len(es) == 0 {
			return n, true, nil
		}
		if err := w.applyEntries(es, known); err != nil {
			return n, false, err
		}
		through := es[len(es)-1].ID
		if len(es) < limit {
			through = 0 // all
		}
		if err := ib.DeleteInbox(w.ctx, through); err != nil {
			return n, false, err
		}
		n += int64(len(es))
		if len(es) < limit {
			return n, true, nil
		}
		if max > 0 && int(n) >= max {
			return n, false, nil
		}
	}
}

// applyEntries applies inbox entries, in order, with the checks in known
// where they are, and writes them (flush).
func (w *writer) applyEntries(es []core.InboxEntry, known map[string]*core.Check) error {
	ids := make([]string, len(es))
	for i := range es {
		ids[i] = es[i].PublicID
	}
	if err := w.load(ids, known); err != nil {
		return err
	}
	for i := range es {
		e := &es[i]
		if _, ok := w.checks[e.PublicID]; !ok {
			continue // a check deleted since takes its signals with it
		}
		sig := e.Signal // applying a signal fills in some of its fields
		w.at = e.TakenAt
		err := w.signal(e.PublicID, &sig)
		w.at = time.Time{}
		if err != nil {
			return err
		}
	}
	return w.flush()
}

// flush writes the timeline entries and saves the state of every check
// the writer touched. Call it before the transaction commits.
func (w *writer) flush() error {
	if err := w.flushTimeline(); err != nil {
		return err
	}
	if len(w.dirty) == 0 {
		return nil
	}
	states := make([]core.CheckStateOf, len(w.dirty))
	for i, c := range w.dirty {
		states[i] = core.CheckStateOf{CheckID: c.ID, State: c.State}
	}
	w.saved = append(w.saved, w.dirty...)
	w.dirty = w.dirty[:0]
	clear(w.isDirty)
	return w.q.SaveCheckStates(w.ctx, states)
}

// flushTimeline writes the timeline entries recorded so far.
func (w *writer) flushTimeline() error {
	if len(w.entries) == 0 {
		return nil
	}
	err := w.q.AddTimelines(w.ctx, w.entries)
	w.entries = w.entries[:0]
	return err
}
