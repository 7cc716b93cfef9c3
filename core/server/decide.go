package server

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// How alerts are decided
//
// Every decision compares a check's status with what its alerts last
// announced (core.CheckState.Told), never with the status before the
// change: a bad status other than Told alerts, unless a hold keeps it
// (--alert-after, depends-on, a replay from a spool); On Schedule or Late
// while Told is bad is the recovery; nothing else alerts. Resumes, the
// end of a replay and the end of a dependency hold are decided the same
// way as a live change, so a hold can neither lose an alert nor send one
// nobody's incident needs (a recovery of a failure nobody was told about).
// Told changes only where an alert of a status change is queued
// (queueAlerts). Each decision leaves a note on the timeline when it sends
// nothing that one might have expected.

// why says what occasioned a decision: which notes it is worth.
type why int

const (
	whyOther   why = iota // nothing changed (an API change of the settings, a start, a log)
	whyChange             // the settled status changed, a resume included
	whyFailure            // a failure that left the check Failed: the streak grew
	whyReplay             // a replay from a spool ended (core.CheckState.HeldFrom)
	whyParent             // the check it depends on no longer holds its alerts
)

// verdict is what a check's status calls for.
type verdict int

const (
	vNone      verdict = iota
	vAlert             // a bad status other than the one told
	vRecovery          // On Schedule or Late after a bad status was told
	vHeldDep           // vAlert, held while the check it depends on is down
	vHeldAfter         // vAlert of Failed, held until --alert-after failures in a row
)

// event is what one event did to a check's settled status.
type event struct {
	t    core.Transition // the change as an alert words it (its At and Reason)
	from core.Status     // the status before the change
	why  why
}

// eventOf sums up the transitions of res, applied to c. They count as one
// change of the settled status, worded by the last one when that alerts by
// itself, else by the net change (overrunning→up→late is a recovery from
// overrunning). A leading resume followed by more (a signal that arrived
// after a timed pause ended, before the evaluation loop saw the end) is
// judged from the status the resume gave, as it would have been had the
// loop run first.
func eventOf(c *core.Check, res status.Result, at time.Time) event {
	st := res.State
	ev := event{t: core.Transition{From: c.State.Status, To: st.Status, At: at}, from: c.State.Status}
	ts := res.Transitions
	if len(ts) == 0 {
		if st.Status == core.StatusFailed && st.FailStreak > c.State.FailStreak {
			ev.why = whyFailure
		}
		return ev
	}
	ev.why = whyChange
	if len(ts) > 1 && ts[0].From == core.StatusPaused {
		ts = ts[1:]
	}
	last := ts[len(ts)-1]
	net := core.Transition{From: ts[0].From, To: last.To, At: last.At, Reason: last.Reason}
	ev.from, ev.t = ts[0].From, last
	if !last.Alerts() && net.Alerts() {
		ev.t = net
	}
	if len(ts) == 1 && last.From == core.StatusPaused {
		switch last.To {
		case core.StatusFailed:
			ev.t.Reason += "; its last run failed"
		case core.StatusUp:
			ev.t.Reason += "; its last run succeeded"
		}
	}
	return ev
}

// apply records res's notes and transitions on c's timeline, decides the
// alerts of c's new state (at once, held or never, by mode), decides a
// held alert whose replay has ended, keeps the reminders, and sets c's new
// state (saved by flush). When c no longer holds the alerts of the checks
// that depend on it, it decides theirs.
func (w *writer) apply(c *core.Check, res status.Result, at time.Time, mode alertMode) error {
	now := w.s.clock.Now()
	st := res.State
	for _, n := range res.Notes {
		w.note(c, at, n)
	}
	for _, t := range res.Transitions {
		w.entries = append(w.entries, &core.TimelineEntry{
			CheckID: c.ID, At: t.At, Kind: core.EntryTransition, From: t.From, To: t.To, Reason: t.Reason,
		})
	}
	ev := eventOf(c, res, at)
	switch holds, err := w.replayHolds(c, &st, ev, mode); {
	case err != nil:
		return err
	case mode == alertStale:
		// A stale signal changes no status (one that does is replayed).
	case holds:
		if st.HeldFrom == "" {
			st.HeldFrom = ev.from
		}
		if ev.why == whyFailure || (ev.why == whyChange && (ev.from.Bad() || st.Status.Bad() || st.Told.Bad())) {
			w.note(c, ev.t.At, fmt.Sprintf("alert held: the signal arrived %s late (replayed from a spool); the net change is alerted when the replay ends",
				now.Sub(at).Round(time.Second)))
		}
		st.HeldUntil = now.Add(replaySettle)
	case st.HeldFrom != "" && ev.why == whyChange:
		// A live change ends the replay: its alert is the net change
		// since before the replay.
		if err := w.release(c, &st, ev.t, at); err != nil {
			return err
		}
	case st.HeldFrom != "":
		// Decided when the replay ends.
	default:
		if err := w.decide(c, &st, ev.t, ev.from, ev.why, ""); err != nil {
			return err
		}
	}
	if st.HeldFrom != "" && !now.Before(st.HeldUntil) {
		t := core.Transition{From: st.HeldFrom, To: st.Status, At: now,
			Reason: "replayed signals (sent late from a spool after an outage) left the check " + st.Status.Label() +
				"; it was " + st.HeldFrom.Label() + " before them"}
		if err := w.release(c, &st, t, now); err != nil {
			return err
		}
	}
	if err := w.settle(c, &st, now); err != nil {
		return err
	}
	// Its dependents are released when its change is decided: not while
	// a replay holds it (its replayed signals may yet end where they
	// began), and when the hold ends, if it is not bad then.
	before := c.State.Status
	heldEnded := c.State.HeldFrom != "" && st.HeldFrom == ""
	c.State = st
	if st.HeldFrom == "" && (releases(before, st.Status) || (heldEnded && releases(core.StatusDown, st.Status))) {
		return w.releaseDependents(c, now, c.Slug+" "+parentNews(st.Status))
	}
	return nil
}

// replayHolds reports whether the event ev, applied in mode, is held as
// part of a replay (core.CheckState.HeldFrom): any event of a replay
// already held, and a replayed change into or out of a bad status that was
// told or is to be, or a replayed failure that would alert. A later signal
// of the same replay may undo it: the net change is decided when the
// replay ends.
func (w *writer) replayHolds(c *core.Check, st *core.CheckState, ev event, mode alertMode) (bool, error) {
	switch {
	case mode != alertReplayed:
		return false, nil
	case st.HeldFrom != "":
		return true, nil
	case ev.why == whyChange:
		return st.Status.Bad() || st.Told.Bad(), nil
	case ev.why == whyFailure:
		v, _, err := w.judge(c, st)
		return v == vAlert, err
	}
	return false, nil
}

// release decides st's held alert, now that its replay has ended, as a
// live change (decide) from the status before the replay, worded by t.
func (w *writer) release(c *core.Check, st *core.CheckState, t core.Transition, at time.Time) error {
	from := st.HeldFrom
	st.HeldFrom, st.HeldUntil = "", time.Time{}
	t.From, t.At = from, at
	ctx := "the replay ended (" + from.Label() + " → " + st.Status.Label() + ")"
	if from == st.Status {
		ctx = "" // the note says it
	}
	return w.decide(c, st, t, from, whyReplay, ctx)
}

// judge returns what c's status st calls for, and c's parent
// (Check.DependsOn) when it looked it up.
func (w *writer) judge(c *core.Check, st *core.CheckState) (verdict, *core.Check, error) {
	switch told := (core.Transition{From: st.Told, To: st.Status}); {
	case !told.Alerts():
		return vNone, nil, nil
	case told.Recovers():
		return vRecovery, nil, nil
	default:
		p, err := w.parent(c)
		if err != nil {
			return vNone, nil, err
		}
		// A hold carries on while its parent is paused or overruns, not
		// to a new parent (depends_on changed in this transaction).
		// A parent whose replay is held holds as it did before the
		// replay, until the replay's net change is decided.
		if p != nil && (parentHolds(p.State.Status, st.DepHeld != "" && w.unheld[c.ID] == "") ||
			(p.State.HeldFrom != "" && parentHolds(p.State.HeldFrom, false))) {
			return vHeldDep, p, nil
		}
		if st.Status == core.StatusFailed && c.AlertAfter > 1 && st.FailStreak < c.AlertAfter {
			return vHeldAfter, p, nil
		}
		return vAlert, p, nil
	}
}

// parentHolds reports whether a check whose status is s holds the alerts
// of the checks that depend on it. A parent that is Missing or Failed
// does: its alert says it. One that went on to be paused or overrunning
// has not recovered: it keeps holding what it held (held), and only that.
func parentHolds(s core.Status, held bool) bool {
	return s == core.StatusDown || s == core.StatusFailed ||
		(held && (s == core.StatusOverrunning || s == core.StatusPaused))
}

// releases reports whether a check that went from status from to to
// stopped holding its dependents' alerts: it recovered.
func releases(from, to core.Status) bool {
	return (from.Bad() || from == core.StatusPaused) && !to.Bad() && to != core.StatusPaused
}

// parentNews words what became of a parent whose status is now s, after
// its slug: "recovered" when it is On Schedule or Late, else what it is
// ("is New": resumed before any run finished).
func parentNews(s core.Status) string {
	if s == core.StatusUp || s == core.StatusLate {
		return "recovered"
	}
	return "is " + s.Label()
}

// decide alerts c's status st when judge says so, worded by t (its At and
// Reason, and its From when nothing better is known; t.To is st.Status),
// or sets the hold that keeps it, or leaves it. from is the status before
// the change, which a hold keeps for the alert it may send later. The
// timeline says why nothing was sent when that tells something, after ctx
// (when not empty).
func (w *writer) decide(c *core.Check, st *core.CheckState, t core.Transition, from core.Status, why why, ctx string) error {
	if why == whyOther && st.DepHeld != "" && w.unheld[c.ID] == "" && st.Status.Bad() &&
		(core.Transition{From: st.Told, To: st.Status}).Alerts() {
		// A start or log of a check whose alert its parent holds: the
		// parent releases it when it recovers; no read of it per signal.
		return nil
	}
	v, p, err := w.judge(c, st)
	if err != nil {
		return err
	}
	t.To = st.Status
	note := func(s string) {
		if ctx != "" {
			s = ctx + "; " + s
		}
		w.note(c, t.At, s)
	}
	// What people were told, or last knew, before the held change.
	known := cmp.Or(st.Told, st.FailHeld, st.DepHeld)
	switch v {
	case vAlert, vRecovery:
		if v == vRecovery {
			t.From = st.Told
		} else {
			t.From = cmp.Or(known, t.From)
		}
		if t.From == t.To {
			t.From = "" // not a reminder: unknown
		}
		if t.Reason == "" {
			t.Reason = w.reason(c, st, p)
		}
		st.FailHeld, st.DepHeld = "", ""
		n, err := w.queueAlerts(c, st, t, false)
		if err != nil {
			return err
		}
		if n > 0 && why != whyChange {
			w.note(c, t.At, "alert sent: "+t.Reason) // no transition says it
		}
	case vHeldDep:
		if st.DepHeld == "" {
			st.DepHeld = cmp.Or(known, from)
		}
		if why == whyChange || why == whyReplay || w.unheld[c.ID] != "" ||
			(why == whyFailure && c.AlertAfter > 1 && st.FailStreak <= c.AlertAfter) {
			s := fmt.Sprintf("alert held: it depends on %s, which is %s; it is alerted if still %s when %s recovers",
				p.Slug, p.State.Status.Label(), st.Status.Label(), p.Slug)
			if c.AlertAfter > 1 && st.FailStreak <= c.AlertAfter && st.Status == core.StatusFailed {
				s += fmt.Sprintf(" (%d of %d failures, --alert-after %d)", st.FailStreak, c.AlertAfter, c.AlertAfter)
			}
			note(s)
		}
	case vHeldAfter:
		if st.FailHeld == "" {
			st.FailHeld = cmp.Or(known, from)
		}
		st.DepHeld = ""
		if why != whyOther {
			note(fmt.Sprintf("alert held: %d of %d failures (--alert-after %d)", st.FailStreak, c.AlertAfter, c.AlertAfter))
		}
	default:
		w.decideNothing(c, st, from, why, note)
	}
	return nil
}

// decideNothing notes, when it tells something, why st, which calls for
// no alert, sends none, and ends the holds of a bad status that ended.
func (w *writer) decideNothing(c *core.Check, st *core.CheckState, from core.Status, why why, note func(string)) {
	s := st.Status
	switch {
	case why == whyReplay && from == s:
		note("no alert: the replayed signals ended where they began (" + s.Label() + ")")
	case s.Bad(): // told already
		if why == whyChange || why == whyReplay {
			note("no alert: " + s.Label() + " was already alerted")
		}
	case s == core.StatusPaused:
		if why == whyParent {
			note("no alert: this check is Paused")
		}
		if why == whyParent || w.unheld[c.ID] != "" {
			// Its parent recovered, or it depends on another check now:
			// the hold is over, and the resume decides the status as it
			// is then.
			st.DepHeld = ""
		}
	case why == whyOther || why == whyFailure:
	case st.FailHeld != "":
		streak := max(st.FailStreak, c.State.FailStreak)
		if streak > 0 && c.AlertAfter > 1 {
			note(fmt.Sprintf("no alert: the failure was not alerted (%d of %d failures)", streak, c.AlertAfter))
		} else {
			note("no alert: the failure was not alerted (--alert-after)")
		}
	case st.DepHeld != "":
		note("no alert: its change was held while the check it depends on was Missing or Failed, and it has recovered since")
	case why == whyReplay:
		note("no alert: the replayed signals' net change, " + from.Label() + " → " + s.Label() + ", does not alert")
	}
	if !s.Bad() && s != core.StatusPaused { // a paused check's holds wait for the resume
		st.FailHeld, st.DepHeld = "", ""
	}
}

// reason words the alert of c's bad status st when no change does: a hold
// that ended without one (p is c's parent, nil when it has none).
func (w *writer) reason(c *core.Check, st *core.CheckState, p *core.Check) string {
	still := "this check is still " + st.Status.Label()
	switch {
	case st.DepHeld != "" && w.unheld[c.ID] != "":
		return w.unheld[c.ID] + "; " + still
	case st.DepHeld != "" && p != nil:
		return p.Slug + " " + parentNews(p.State.Status) + "; " + still
	case st.DepHeld != "" && c.DependsOn != "":
		return "the check it depended on was deleted; " + still
	case st.DepHeld != "":
		return "it no longer depends on another check; " + still
	case st.FailHeld != "" && st.Status == core.StatusFailed:
		return fmt.Sprintf("%d failures in a row (--alert-after %d)", st.FailStreak, c.AlertAfter)
	}
	return "still " + st.Status.Label()
}

// parent returns c's parent (Check.DependsOn), nil when it has none or it
// was deleted. A parent in this transaction is seen as it is now; another
// is read as last committed, without a lock.
func (w *writer) parent(c *core.Check) (*core.Check, error) {
	if c.DependsOn == "" || c.DependsOn == c.ID || w.gone[c.DependsOn] {
		return nil, nil
	}
	for _, x := range w.checks {
		if x.ID == c.DependsOn {
			return x, nil
		}
	}
	if p, ok := w.parents[c.DependsOn]; ok {
		return p, nil
	}
	p, err := w.s.store.Check(w.ctx, c.DependsOn)
	if core.IsNotFound(err) {
		p, err = nil, nil // deleted: nothing to wait for
	}
	if err == nil {
		w.parents[c.DependsOn] = p
	}
	return p, err
}

// releaseDependents decides, now that parent no longer holds them (news
// says why: "db recovered", "db was deleted"), the alerts of the checks
// that depend on it whose alerts it held.
func (w *writer) releaseDependents(parent *core.Check, now time.Time, news string) error {
	deps, err := w.q.Dependents(w.ctx, parent.ID)
	if err != nil {
		return err
	}
	for i := range deps {
		d := &deps[i]
		if x, ok := w.checks[d.PublicID]; ok {
			d = x // already in this transaction (and saved by flush)
		} else if d.State.DepHeld != "" {
			w.checks[d.PublicID] = d
			w.dirty = append(w.dirty, d)
		}
		if d.State.DepHeld == "" {
			continue
		}
		st := d.State
		t := core.Transition{From: st.Status, To: st.Status, At: now, Reason: news + "; this check is still " + st.Status.Label()}
		if err := w.decide(d, &st, t, st.DepHeld, whyParent, news); err != nil {
			return err
		}
		if err := w.settle(d, &st, now); err != nil {
			return err
		}
		d.State = st
	}
	return nil
}

// settle ends the decisions about c's new state st: its reminders, and
// NextEvalAt brought forward to a held alert's or a reminder's time.
func (w *writer) settle(c *core.Check, st *core.CheckState, now time.Time) error {
	alerted := st.Told.Bad() && st.Told != c.State.Told
	if err := w.remind(c, st, now, alerted); err != nil {
		return err
	}
	if st.HeldFrom != "" && (st.NextEvalAt.IsZero() || st.HeldUntil.Before(st.NextEvalAt)) {
		st.NextEvalAt = st.HeldUntil // the evaluation loop decides it then
	}
	if reminding(c, st) && (st.NextEvalAt.IsZero() || st.NextReminderAt.Before(st.NextEvalAt)) {
		st.NextEvalAt = st.NextReminderAt
	}
	st.Normalize() // times as the store keeps them, for later signals of this batch and the next
	return nil
}

// reminding reports whether c's reminders are due at st.NextReminderAt:
// it has them, and its status is the bad one its last alert announced.
func reminding(c *core.Check, st *core.CheckState) bool {
	return c.RemindEvery > 0 && st.Status.Bad() && st.Status == st.Told && !st.NextReminderAt.IsZero()
}

// remind keeps a bad status's reminders (Check.RemindEvery): while the
// status is the bad one the last alert announced (core.CheckState.Told),
// one is due an interval after that alert (or after the setting, or the
// resume, when it came later), then one each interval. Any other status
// ends them, except during a replay, which may end where it began.
// alerted says an alert of st's status was just queued.
func (w *writer) remind(c *core.Check, st *core.CheckState, now time.Time, alerted bool) error {
	every := c.RemindEvery
	switch {
	case every <= 0:
		st.NextReminderAt = time.Time{}
	case !st.Status.Bad() || st.Status != st.Told:
		if st.HeldFrom == "" {
			st.NextReminderAt = time.Time{}
		}
	case alerted || st.NextReminderAt.IsZero() || st.NextReminderAt.After(now.Add(every)):
		st.NextReminderAt = now.Add(every)
	case !now.Before(st.NextReminderAt):
		n, err := w.queueAlerts(c, st, core.Transition{From: st.Status, To: st.Status, At: now,
			Reason: fmt.Sprintf("reminder: still %s since %s (every %s until it recovers)",
				st.Status.Label(), st.StatusSince.UTC().Format("2006-01-02 15:04 UTC"), every)}, true)
		if err != nil {
			return err
		}
		if n > 0 {
			w.note(c, now, "reminder sent: still "+st.Status.Label())
		}
		st.NextReminderAt = now.Add(every)
	}
	return nil
}

// note records a note on c's timeline.
func (w *writer) note(c *core.Check, at time.Time, reason string) {
	w.entries = append(w.entries, &core.TimelineEntry{CheckID: c.ID, At: at, Kind: core.EntryNote, Reason: reason})
}

// queueAlerts queues t's alert to each of c's channels and returns how
// many it queued; when none, the timeline says why. An alert of a status
// change (not a reminder) sets what st was told (core.CheckState.Told):
// its status when bad, nothing after a recovery. It does so also when no
// channel takes it: the check's alerting announced it, to nobody, and the
// timeline says that; it is not announced again at every later event.
func (w *writer) queueAlerts(c *core.Check, st *core.CheckState, t core.Transition, reminder bool) (int, error) {
	if !reminder {
		st.Told = ""
		if t.To.Bad() {
			st.Told = t.To
		}
	}
	chs, ok := w.channels[c.OrgID]
	if !ok {
		var err error
		if chs, err = w.q.Channels(w.ctx, c.OrgID); err != nil {
			return 0, err
		}
		w.channels[c.OrgID] = chs
	}
	if c.Channels != nil {
		chs = slices.DeleteFunc(slices.Clone(chs), func(ch core.Channel) bool { return !slices.Contains(c.Channels, ch.ID) })
	}
	if len(chs) == 0 {
		var why string
		switch {
		case c.Channels == nil:
			// An organization without channels does not alert at all (a
			// dashboard-only setup): no note on every change of every
			// check, which would cost a row each.
			return 0, nil
		case len(c.Channels) == 0:
			why = "the check's channels are none"
		default:
			why = "the check's channels were deleted"
		}
		what := "alert"
		if reminder {
			what = "reminder"
		}
		w.note(c, t.At, "no "+what+": no channel to alert ("+why+")")
		return 0, nil
	}
	project, ok := w.projects[c.ProjectID]
	if !ok {
		p, err := w.q.Project(w.ctx, c.ProjectID)
		if err != nil {
			return 0, err
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
			return 0, err
		}
		w.alerts++
	}
	return len(chs), nil
}
