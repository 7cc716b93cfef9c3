package server

import (
	"context"
	"errors"
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
// a commit is shared by the whole batch.
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
}

// maxKnown bounds ingester.known: past it, the writer keeps only the
// checks of its last batch.
const maxKnown = 10_000

func newIngester(s *Server) *ingester {
	return &ingester{
		s:    s,
		reqs: make(chan *ingestReq, s.cfg.IngestQueue),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
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
	for {
		var first *ingestReq
		select {
		case first = <-g.reqs:
		case <-g.quit:
			g.drain()
			return
		}
		g.commit(g.fill(first))
	}
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
	// The transaction is bounded like the requests it answers; a
	// shutdown does not cut it short.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.IngestTimeout)
	defer cancel()
	err := s.store.Update(ctx, func(q core.Queries) error {
		alerts = 0
		w, end = newWriter(ctx, s, q), nil
		var err error
		if known, err = g.knownChecks(ctx, q); err != nil {
			return err
		}
		if err := w.load(batch, known); err != nil {
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
		if alerts > 0 {
			wake(s.alertWake)
		}
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
	dirty    []*core.Check
	saved    []*core.Check             // by flush
	entries  []*core.TimelineEntry     // not yet written
	channels map[string][]core.Channel // by org ID
	projects map[string]string         // project names by ID
	alerts   int
	// unheld words, by check ID, why a check's dependency hold ended
	// without its parent's recovery ("it no longer depends on db").
	unheld map[string]string
	// gone are the IDs of the checks this transaction deleted.
	gone map[string]bool
	// parents are the parents (Check.DependsOn) read from the store, by
	// ID, so that one is read once a transaction (not saved by flush).
	parents map[string]*core.Check
}

func newWriter(ctx context.Context, s *Server, q core.Queries) *writer {
	return &writer{
		s: s, q: q, ctx: ctx,
		checks:   map[string]*core.Check{},
		channels: map[string][]core.Channel{},
		projects: map[string]string{},
		unheld:   map[string]string{},
		gone:     map[string]bool{},
		parents:  map[string]*core.Check{},
	}
}

// load takes the checks of batch from known (the writer's last
// transaction's, when nothing else was written since) and reads (and, on
// PostgreSQL, locks, in a stable order) the others in one query.
func (w *writer) load(batch []*ingestReq, known map[string]*core.Check) error {
	ids := make([]string, 0, len(batch))
	seen := make(map[string]bool, len(batch))
	for _, r := range batch {
		if seen[r.publicID] {
			continue
		}
		seen[r.publicID] = true
		if c, ok := known[r.publicID]; ok {
			w.checks[c.PublicID] = c
			w.dirty = append(w.dirty, c)
			continue
		}
		ids = append(ids, r.publicID)
	}
	if len(ids) == 0 {
		return nil
	}
	cs, err := w.q.ChecksByPublicID(w.ctx, ids)
	if err != nil {
		return err
	}
	for i := range cs {
		c := &cs[i]
		w.checks[c.PublicID] = c
		w.dirty = append(w.dirty, c)
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
		w.dirty = append(w.dirty, c)
	}
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
	if mode == alertStale && len(res.Transitions) > 0 {
		// A stale finish that ended the run a check was overrunning for
		// changes the status now: held like any replayed change.
		mode = alertReplayed
	}
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
