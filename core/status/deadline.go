package status

import (
	"fmt"
	"time"

	"github.com/pakyas/pakyas/core"
)

// plan is a check's schedule made ready for computing, with its cron
// expression parsed once per event rather than once per deadline.
type plan struct {
	sched      core.Schedule
	maxRuntime time.Duration
	cron       *Cron          // nil unless a cron schedule that parses
	loc        *time.Location // the zone times are shown in: the cron's, else UTC
}

func newPlan(c *core.Check) plan {
	p := plan{sched: c.Schedule, maxRuntime: max(c.EffectiveMaxRuntime(), 0), loc: time.UTC}
	if p.sched.Kind == core.ScheduleCron {
		if cr, err := ParseCron(p.sched.Cron, p.sched.TZ); err == nil {
			p.cron, p.loc = cr, cr.Location()
		}
	}
	return p
}

// next returns the run expected after base. A schedule that cannot be
// computed (validation refuses it) has none, rather than failing an event.
// An empty Kind counts as a period, the zero value's natural reading.
func (p plan) next(base time.Time) (time.Time, bool) {
	switch p.sched.Kind {
	case core.SchedulePeriod, "":
		if p.sched.Period <= 0 {
			return time.Time{}, false
		}
		return base.Add(p.sched.Period), true
	case core.ScheduleCron:
		if p.cron == nil {
			return time.Time{}, false
		}
		n := p.cron.Next(base)
		if n.IsZero() {
			return time.Time{}, false
		}
		// Keep the caller's location; the zone only matters for messages.
		return n.In(base.Location()), true
	}
	return time.Time{}, false
}

// OnTime is the slack of "on time". A run that starts up to OnTime after
// its expected time is on time: the check goes late only then (or at the
// end of a shorter grace), so a job whose start reaches the server a
// moment after cron started it does not put up→late→up on the timeline
// every run. And a start up to OnTime before a cron time (a quarter of the
// gap to the time after it at most, for schedules of a few minutes) is
// that time's run, not an extra one: the job's host clock may be a little
// ahead of the server's. Cron itself counts in minutes.
const OnTime = time.Minute

// deadlines returns the run expected after the last run (or the resume, if
// later) and the end of its grace, whatever the status and open runs.
func (p plan) deadlines(st *core.CheckState) (expected, deadline time.Time, ok bool) {
	base := later(st.LastRunAt, st.ResumedAt)
	if base.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	expected, ok = p.next(base)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	if early := expected.Sub(base); p.cron != nil && base.Equal(st.LastRunAt) && startedRun(st) && early < OnTime {
		// The last run started a moment before expected: it was that
		// time's run. Only a start, not a finish sent without one (a job
		// that takes most of its interval finishes just before the next
		// time), and never so early that a start on time for the time
		// before could be meant.
		if after, ok := p.next(expected); ok && 4*early <= after.Sub(expected) && early < after.Sub(expected)-OnTime {
			expected = after
		}
	}
	return expected, expected.Add(max(p.sched.Grace, 0)), true
}

// startedRun reports whether the last run's time (LastRunAt) is a start
// signal's, not that of a finish sent without a start.
func startedRun(st *core.CheckState) bool {
	return !st.LastRunAt.Equal(later(st.LastSuccessAt, st.LastFailureAt))
}

// lateAt returns when an up check expected at expected, with its grace
// ending at deadline, goes late: OnTime after expected, or at deadline
// when that is sooner (then it goes straight to down).
func lateAt(expected, deadline time.Time) time.Time {
	if t := expected.Add(OnTime); t.Before(deadline) {
		return t
	}
	return deadline
}

// LateStartWait is how long after a start delivered late (replayed from a
// client's spool, Run.ArrivedAt) its run is judged overrunning at the
// soonest: the finish the spool keeps right behind it is on its way, and a
// run that ended in time must not be reported overrunning meanwhile.
const LateStartWait = 10 * time.Second

// overrunDeadline returns the open run that becomes overrunning first and
// when: its max runtime after it started (its overrun limit), or after the
// check was resumed when a pause came between (time spent paused is not
// held against a run), but not sooner than LateStartWait after a late
// start arrived.
func (p plan) overrunDeadline(st *core.CheckState) (core.Run, time.Time) {
	var first core.Run
	var at time.Time
	for i, r := range st.OpenRuns {
		dl := p.overrunLimit(st, r)
		if !r.ArrivedAt.IsZero() {
			dl = later(dl, r.ArrivedAt.Add(LateStartWait))
		}
		if i == 0 || dl.Before(at) {
			first, at = r, dl
		}
	}
	return first, at
}

// overrunLimit returns when run r has had its max runtime.
func (p plan) overrunLimit(st *core.CheckState, r core.Run) time.Time {
	return later(r.StartedAt, st.ResumedAt).Add(p.maxRuntime)
}

// nextEvalAt returns the next instant at which time alone changes st's
// status, or zero when none will.
func (p plan) nextEvalAt(st *core.CheckState) time.Time {
	if st.Status == core.StatusPaused {
		return st.PausedUntil // zero: paused until resumed
	}
	if st.Running() {
		if st.Status == core.StatusOverrunning {
			return time.Time{}
		}
		_, dl := p.overrunDeadline(st)
		return dl
	}
	expected, deadline, ok := p.deadlines(st)
	if !ok {
		return time.Time{}
	}
	switch st.Status {
	case core.StatusUp:
		return lateAt(expected, deadline)
	case core.StatusLate, core.StatusFailed:
		return deadline
	}
	return time.Time{}
}

// Expected returns c's next expected run and the end of its grace, from
// its current state. ok is false for new and paused checks, while a run is
// open (only the max runtime applies then), and when the schedule gives no
// time (a cron expression that never matches within five years).
func Expected(c *core.Check) (expectedAt, deadline time.Time, ok bool) {
	st := c.State
	if st.Status == core.StatusNew || st.Status == core.StatusPaused || st.Running() {
		return time.Time{}, time.Time{}, false
	}
	return newPlan(c).deadlines(&st)
}

// missingReason explains a late or down transition in plain words.
func (m *machine) missingReason(expected, deadline time.Time, ended bool) string {
	ref := expected
	if ended {
		ref = deadline
	}
	clock := func(t time.Time) string { return formatClock(t, ref, m.plan.loc) }
	st := &m.st
	var since string
	switch {
	case !st.ResumedAt.IsZero() && !st.ResumedAt.Before(st.LastRunAt):
		since = "no success signal since the check was resumed at " + clock(st.ResumedAt)
	case st.Status == core.StatusFailed:
		since = "no run since the failed one at " + clock(st.LastRunAt)
	case st.LastSuccessAt.After(st.LastRunAt):
		// The next run counts from the last one's start, not its finish.
		since = "the last run started at " + clock(st.LastRunAt) + " and succeeded at " + clock(st.LastSuccessAt)
	default:
		since = "no success signal since " + clock(st.LastRunAt)
	}
	grace := deadline.Sub(expected)
	if grace <= 0 {
		return fmt.Sprintf("%s; expected at %s, with no grace period", since, clock(expected))
	}
	verb := "ends"
	if ended {
		verb = "ended"
	}
	return fmt.Sprintf("%s; expected at %s, grace of %s %s at %s",
		since, clock(expected), FormatDuration(grace), verb, clock(deadline))
}

// overrunReason explains an overrunning transition in plain words.
func (m *machine) overrunReason(run core.Run, deadline time.Time) string {
	clock := func(t time.Time) string { return formatClock(t, deadline, m.plan.loc) }
	what := "started"
	if run.ID != "" {
		what = fmt.Sprintf("run %q started", run.ID)
	}
	within := ""
	if m.st.ResumedAt.After(run.StartedAt) {
		within = " after the check was resumed at " + clock(m.st.ResumedAt)
	}
	return fmt.Sprintf("%s at %s and no finish signal within the max runtime of %s%s (ended %s)",
		what, clock(run.StartedAt), FormatDuration(m.plan.maxRuntime), within, clock(m.plan.overrunLimit(&m.st, run)))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// latestRun returns the open run that started last.
func latestRun(runs []core.Run) core.Run {
	var last core.Run
	for i, r := range runs {
		if i == 0 || !r.StartedAt.Before(last.StartedAt) {
			last = r
		}
	}
	return last
}
