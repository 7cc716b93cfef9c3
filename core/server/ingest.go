package server

import (
	"context"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// ingestReq is one signal waiting to be committed.
type ingestReq struct {
	publicID string
	sig      core.Signal
	done     chan error // receives exactly one value
}

// ingester is the single writer of signals. It takes whatever has queued,
// commits it as one transaction (group commit) and only then answers every
// request of the batch, so an acknowledged ping is durable and the cost of
// a commit is shared by the whole batch.
type ingester struct {
	s    *Server
	reqs chan *ingestReq // unbuffered: a send succeeds only while run receives
	quit chan struct{}
	once sync.Once
	done chan struct{}
}

func newIngester(s *Server) *ingester {
	return &ingester{s: s, reqs: make(chan *ingestReq), quit: make(chan struct{}), done: make(chan struct{})}
}

var errShuttingDown = core.Errorf(core.EUNAVAILABLE, "server is shutting down").WithHint("retry in a moment")

// submit queues a signal and waits until it is committed (nil) or refused.
func (g *ingester) submit(ctx context.Context, publicID string, sig core.Signal) error {
	req := &ingestReq{publicID: publicID, sig: sig, done: make(chan error, 1)}
	select {
	case g.reqs <- req:
	case <-g.quit:
		return errShuttingDown
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the request is always answered, even during shutdown.
	return <-req.done
}

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
			return
		}
		batch := []*ingestReq{first}
	fill:
		for len(batch) < g.s.cfg.MaxBatch {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		g.commit(batch)
	}
}

// commit applies a batch in one transaction and answers each request.
// When the transaction fails, each request is committed on its own, so a
// signal that cannot be stored does not take the rest of the batch with it.
func (g *ingester) commit(batch []*ingestReq) {
	if len(batch) > 1 {
		// Applying a signal fills in some of its fields: start again from
		// the signals as received.
		sigs := make([]core.Signal, len(batch))
		for i, r := range batch {
			sigs[i] = r.sig
		}
		if err := g.commitBatch(batch, false); err != nil {
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
	err := s.store.Update(context.Background(), func(q core.Queries) error {
		alerts = 0
		w := newWriter(s, q)
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
		return nil
	})
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

// writer applies status changes inside one transaction: it keeps each
// check it touched, so several signals to one check in a batch see each
// other, saves each check's state once, and records transitions, notes and
// alerts.
type writer struct {
	s        *Server
	q        core.Queries
	ctx      context.Context
	checks   map[string]*core.Check // by public ID
	dirty    []*core.Check
	channels map[string][]core.Channel // by org ID
	projects map[string]string         // project names by ID
	alerts   int
}

func newWriter(s *Server, q core.Queries) *writer {
	return &writer{
		s: s, q: q, ctx: context.Background(),
		checks:   map[string]*core.Check{},
		channels: map[string][]core.Channel{},
		projects: map[string]string{},
	}
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
	if !sig.OccurredAt.Equal(sig.ReceivedAt) {
		// A signal that says when it happened comes from a client's
		// spool, which re-sends it when an answer was lost: acknowledge
		// a repeat without recording it twice.
		if dup, err := w.duplicate(c.ID, sig); err != nil || dup {
			return err
		}
	}
	res := status.Apply(c, sig, sig.ReceivedAt)
	sig.CheckID = c.ID
	if sig.Duration == 0 && res.Duration > 0 {
		sig.Duration = res.Duration
	}
	if err := w.q.AddTimeline(w.ctx, &core.TimelineEntry{
		CheckID: c.ID, At: sig.OccurredAt, Kind: core.EntrySignal, Signal: sig,
	}); err != nil {
		return err
	}
	return w.apply(c, res, sig.OccurredAt)
}

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
// alerts it decides, and sets c's new state (saved by flush).
func (w *writer) apply(c *core.Check, res status.Result, at time.Time) error {
	for _, n := range res.Notes {
		if err := w.q.AddTimeline(w.ctx, &core.TimelineEntry{CheckID: c.ID, At: at, Kind: core.EntryNote, Reason: n}); err != nil {
			return err
		}
	}
	for i, t := range res.Transitions {
		if err := w.q.AddTimeline(w.ctx, &core.TimelineEntry{
			CheckID: c.ID, At: t.At, Kind: core.EntryTransition, From: t.From, To: t.To, Reason: t.Reason,
		}); err != nil {
			return err
		}
		if alerts(res.Transitions, i) {
			if err := w.queueAlerts(c, t); err != nil {
				return err
			}
		}
	}
	c.State = res.State
	return nil
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
	now := w.s.clock.Now()
	for _, ch := range chs {
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

// flush saves the state of every check the writer touched.
func (w *writer) flush() error {
	for _, c := range w.dirty {
		if err := w.q.SaveCheckState(w.ctx, c.ID, c.State); err != nil {
			return err
		}
	}
	w.dirty = w.dirty[:0]
	return nil
}
