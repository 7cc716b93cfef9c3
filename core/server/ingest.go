package server

import (
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
}

func newWriter(ctx context.Context, s *Server, q core.Queries) *writer {
	return &writer{
		s: s, q: q, ctx: ctx,
		checks:   map[string]*core.Check{},
		channels: map[string][]core.Channel{},
		projects: map[string]string{},
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

// apply records res's notes and transitions on c's timeline, queues the
// alerts it decides (at once, held or never, by mode), decides a held
// alert whose replay has ended, and sets c's new state (saved by flush).
func (w *writer) apply(c *core.Check, res status.Result, at time.Time, mode alertMode) error {
	now := w.s.clock.Now()
	st := res.State
	alertsBefore := w.alerts
	for _, n := range res.Notes {
		w.note(c, at, n)
	}
	judged := afterResume(res.Transitions)
	resumed := len(res.Transitions) - len(judged)
	for i, t := range res.Transitions {
		w.entries = append(w.entries, &core.TimelineEntry{
			CheckID: c.ID, At: t.At, Kind: core.EntryTransition, From: t.From, To: t.To, Reason: t.Reason,
		})
		if i < resumed {
			continue
		}
		t, ok := alerts(judged, i-resumed)
		if !ok {
			continue
		}
		var err error
		switch {
		case mode == alertStale:
			w.note(c, t.At, fmt.Sprintf("no alert: the signal arrived %s late, after newer ones (replayed from a spool); this change is history",
				now.Sub(at).Round(time.Second)))
		case mode == alertReplayed:
			if st.HeldFrom == "" {
				st.HeldFrom = judged[0].From
			}
			w.note(c, t.At, fmt.Sprintf("alert held: the signal arrived %s late (replayed from a spool); the net change is alerted when the replay ends",
				now.Sub(at).Round(time.Second)))
		case st.HeldFrom != "":
			// A live change ends the replay: its alert is the net change
			// since before the replay.
			err = w.release(c, &st, t, at)
		default:
			err = w.alertAfter(c, &st, t, judged[0].From)
		}
		if err != nil {
			return err
		}
	}
	if err := w.failAgain(c, &st, at, len(judged) > 0); err != nil {
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
	if err := w.remind(c, &st, now, w.alerts > alertsBefore, len(judged) > 0); err != nil {
		return err
	}
	if len(judged) > 0 && parentIsDown(judged[0].From) && !parentIsDown(st.Status) {
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
			d = x // already in this transaction (and saved by flush)
		} else if d.State.DepHeld != "" {
			w.dirty = append(w.dirty, d)
		}
		told := d.State.DepHeld
		if told == "" {
			continue
		}
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

// afterResume returns the transitions of one event that are judged for
// alerts: all but a leading resume (paused -> X), which never alerts: it
// returns to the status the check had before the pause (or the outcome of
// a run while paused, when nobody was watching). A signal that arrives
// after a timed pause ended, before the evaluation loop saw the end,
// resumes the check in its own event; what it then changes is judged from
// X, as it would have been had the loop run first.
func afterResume(ts []core.Transition) []core.Transition {
	if len(ts) > 0 && ts[0].From == core.StatusPaused {
		return ts[1:]
	}
	return ts
}

// alerts returns the alert of the i-th of one event's judged transitions
// (afterResume), if it has one. The transitions of one event count as one
// change of the settled status, alerted once, on the last one: a bounce
// that ends where it began (a false recovery, then the same bad status
// again) is a repeat, and an intermediate status nobody saw settle is not
// announced. The alert is the last transition when that alerts by itself,
// else the net change (overrunning→up→late is a recovery from overrunning).
func alerts(ts []core.Transition, i int) (core.Transition, bool) {
	last := ts[len(ts)-1]
	if i != len(ts)-1 {
		return last, false
	}
	net := core.Transition{From: ts[0].From, To: last.To, At: last.At, Reason: last.Reason}
	switch {
	case !net.Alerts():
		return last, false
	case last.Alerts():
		return last, true
	}
	return net, true
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
	now := w.s.clock.Now()
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
