package status

import (
	"fmt"
	"slices"
	"time"

	"github.com/pakyas/pakyas/core"
)

// MaxOpenRuns is the most open runs a check keeps. Starts that never finish
// (a crashed job that sends no failure) must not grow the state forever;
// the oldest is dropped.
const MaxOpenRuns = 16

// machine applies one event to a copy of a check's state and collects the
// transitions and notes it causes.
type machine struct {
	plan plan
	st   core.CheckState
	res  Result
	// floor is the earliest date a time-based transition may carry; see
	// Reschedule.
	floor time.Time
}

func newMachine(c *core.Check) *machine {
	st := c.State
	// The caller's check must not change: OpenRuns is the only shared part.
	st.OpenRuns = slices.Clone(st.OpenRuns)
	return &machine{plan: newPlan(c), st: st}
}

// result finishes the event: it recomputes NextEvalAt and returns the
// Result.
func (m *machine) result() Result {
	if len(m.st.OpenRuns) == 0 {
		m.st.OpenRuns = nil // one spelling of "no runs", for comparisons and storage
	}
	m.st.NextEvalAt = m.plan.nextEvalAt(&m.st)
	m.res.State = m.st
	return m.res
}

// unchanged returns the check's state as it was, for no-op events.
func (m *machine) unchanged() Result {
	m.res.State = m.st
	return m.res
}

func (m *machine) note(format string, args ...any) {
	m.res.Notes = append(m.res.Notes, fmt.Sprintf(format, args...))
}

// setStatus moves the check to status to at the given time, but never
// before the current status began: a replayed signal older than a
// time-based transition (down at the end of the grace) changes the status
// after it, so the timeline reads in order and its newest transition is
// the status. A move to the status it already has is no transition (so a
// repeated failure cannot alert twice).
func (m *machine) setStatus(to core.Status, at time.Time, reason string) {
	if m.st.Status == to {
		return
	}
	at = later(at, m.st.StatusSince)
	m.res.Transitions = append(m.res.Transitions, core.Transition{From: m.st.Status, To: to, At: at, Reason: reason})
	m.st.Status = to
	m.st.StatusSince = at
}

// deadlineAt dates a time-based transition: at its deadline, but never
// before the current status began (a deadline that passed while paused, or
// before a replayed signal) nor before the floor.
func (m *machine) deadlineAt(deadline time.Time) time.Time {
	return later(later(deadline, m.st.StatusSince), m.floor)
}

// evaluate applies the passing of time up to now.
func (m *machine) evaluate(now time.Time) {
	switch {
	case m.st.Status == core.StatusPaused:
		// A pause with an end resumes by itself then; the schedule is
		// judged from then on.
		if until := m.st.PausedUntil; !until.IsZero() && !now.Before(until) {
			m.resume(until, "the pause ended ("+formatClock(until, until, m.plan.loc)+")")
		}
	case m.st.Running():
		m.evaluateOverrun(now)
	default:
		m.evaluateSchedule(now)
	}
}

// evaluateOverrun handles a check with open runs: only the max runtime
// counts, late and down wait for the runs to finish.
func (m *machine) evaluateOverrun(now time.Time) {
	if m.st.Status == core.StatusOverrunning {
		return
	}
	run, deadline := m.plan.overrunDeadline(&m.st)
	if now.Before(deadline) {
		return
	}
	m.setStatus(core.StatusOverrunning, m.deadlineAt(deadline), m.overrunReason(run, deadline))
}

// evaluateSchedule handles a check with no open run: up goes late OnTime
// after the expected time and down at the end of the grace; failed skips late (it is
// already worse) and goes down; new and down do not move with time.
func (m *machine) evaluateSchedule(now time.Time) {
	switch m.st.Status {
	case core.StatusUp, core.StatusLate, core.StatusFailed:
	default:
		return
	}
	expected, deadline, ok := m.plan.deadlines(&m.st)
	if !ok {
		return
	}
	// Both transitions can happen in one call after a long gap; with a
	// grace of OnTime or less there is no late window to report.
	if late := lateAt(expected, deadline); m.st.Status == core.StatusUp && !now.Before(late) && late.Before(deadline) {
		m.setStatus(core.StatusLate, m.deadlineAt(late), m.missingReason(expected, deadline, false))
	}
	if !now.Before(deadline) {
		m.setStatus(core.StatusDown, m.deadlineAt(deadline), m.missingReason(expected, deadline, true))
	}
}

// start opens a run. A start repeating an open run's id (including two
// starts without one) replaces it: the first start's job is gone or is
// being retried.
func (m *machine) start(sig *core.Signal, t time.Time) {
	runs := m.st.OpenRuns
	if i := slices.IndexFunc(runs, func(r core.Run) bool { return r.ID == sig.RunID }); i >= 0 {
		runs = slices.Delete(runs, i, i+1)
	}
	run := core.Run{ID: sig.RunID, StartedAt: t}
	if sig.ReceivedAt.After(t) {
		run.ArrivedAt = sig.ReceivedAt
	}
	runs = append(runs, run)
	if n := len(runs) - MaxOpenRuns; n > 0 {
		runs = slices.Delete(runs, 0, n)
	}
	m.st.OpenRuns = runs
	m.st.LastStartAt = t
}

// finish applies a success (ok) or a failure signal.
func (m *machine) finish(sig *core.Signal, t time.Time, ok bool) {
	expected, deadline, onSchedule := m.finishDeadlines()
	run, closed := m.closeRuns(sig.RunID, !ok)
	runAt := t
	if closed {
		runAt = run.StartedAt
		m.res.Duration = t.Sub(run.StartedAt)
	}
	m.st.LastRunAt = runAt
	m.abandonSuperseded(runAt, t)
	if onSchedule && runAt.After(deadline) {
		clock := func(x time.Time) string { return formatClock(x, t, m.plan.loc) }
		m.note("ran late by %s (expected at %s, grace ended %s)",
			FormatDuration(runAt.Sub(expected)), clock(expected), clock(deadline))
	}
	// One wording for a finish: "exit code N" when the signal has one
	// (success or failure alike), else which signal it was; the last exit
	// code is unknown (-1) for a finish without one, as its signal shows.
	to, reason := core.StatusUp, "success signal, no exit code"
	if !ok {
		to, reason = core.StatusFailed, "failure signal, no exit code"
	}
	if sig.ExitCode != nil {
		reason = fmt.Sprintf("exit code %d", *sig.ExitCode)
	}
	m.recordOutcome(sig, t)
	if m.st.Status != core.StatusPaused {
		m.setStatus(to, t, reason)
	}
}

// recordOutcome records a finish (sig, at t) in the last success or
// failure, and, when it is the newest finish, in the last exit code (-1
// for a finish without one) and the failure streak.
func (m *machine) recordOutcome(sig *core.Signal, t time.Time) {
	if !t.Before(later(m.st.LastSuccessAt, m.st.LastFailureAt)) {
		m.st.LastExitCode = -1
		if sig.ExitCode != nil {
			m.st.LastExitCode = *sig.ExitCode
		}
		if sig.Kind == core.SignalSuccess {
			m.st.FailStreak = 0
		} else {
			m.st.FailStreak++
		}
	}
	if sig.Kind == core.SignalSuccess {
		m.st.LastSuccessAt = later(m.st.LastSuccessAt, t)
	} else {
		m.st.LastFailureAt = later(m.st.LastFailureAt, t)
	}
}

// finishDeadlines returns the schedule's deadlines a finish is judged
// against: none for new and paused checks, which expect nothing.
func (m *machine) finishDeadlines() (expected, deadline time.Time, ok bool) {
	if m.st.Status == core.StatusNew || m.st.Status == core.StatusPaused {
		return time.Time{}, time.Time{}, false
	}
	return m.plan.deadlines(&m.st)
}

// closeRuns closes the runs a finish with run id rid ends and returns the
// one it is reported for. A known rid closes its run only: overlapping
// runs with their own rids go on, whether this one succeeded or failed; no
// rid closes all, reported for the latest; an unknown rid closes nothing,
// unless closeAll: a failure that names no open run ends every run, since
// the job that failed is not still running and it cannot say which it was.
func (m *machine) closeRuns(rid string, closeAll bool) (core.Run, bool) {
	runs := m.st.OpenRuns
	if len(runs) == 0 {
		return core.Run{}, false
	}
	if i := slices.IndexFunc(runs, func(r core.Run) bool { return r.ID == rid }); rid != "" && i >= 0 {
		run := runs[i]
		m.st.OpenRuns = slices.Delete(runs, i, i+1)
		return run, true
	}
	if rid != "" && !closeAll {
		return core.Run{}, false
	}
	m.st.OpenRuns = nil
	return latestRun(runs), true
}

// abandonSuperseded drops the open runs that started before a run that has
// just finished (it began at runAt) and are past their max runtime at t
// (counted from a resume after them): a job killed so hard that it sent no
// finish (an OOM kill takes pakyas with it) would otherwise keep the check
// overrunning forever, though later runs finish. A run still inside its
// max runtime may legitimately overlap a later one, and stays.
func (m *machine) abandonSuperseded(runAt, t time.Time) {
	kept := m.st.OpenRuns[:0]
	for _, r := range m.st.OpenRuns {
		if r.StartedAt.Before(runAt) && !t.Before(m.plan.overrunLimit(&m.st, r)) {
			clock := formatClock(r.StartedAt, t, m.plan.loc)
			what := "the run started at " + clock
			if r.ID != "" {
				what += " (rid " + r.ID + ")"
			}
			m.note("%s never finished and is past its max runtime of %s; a later run has finished, so it is no longer waited for",
				what, FormatDuration(m.plan.maxRuntime))
			continue
		}
		kept = append(kept, r)
	}
	m.st.OpenRuns = kept
}

// reconsider judges an overrunning, late or down check again under a
// changed schedule or max runtime. An overrunning check whose open runs
// are inside a longer max runtime, and whose last run succeeded, is On
// Schedule again.
//
// A late or down check whose last run succeeded is On Schedule (or late)
// again when the new schedule does not expect the next run yet (or is
// still inside its grace), as it would be had the schedule always been
// this one. A failed check stays failed: only a run can change that.
func (m *machine) reconsider(now time.Time) {
	st := &m.st
	if st.Status == core.StatusOverrunning && st.Running() {
		// A longer max runtime: the open runs may still be inside it.
		// Only back to On Schedule: a check that never finished a run, or
		// whose last run failed, stays overrunning until a finish.
		if _, dl := m.plan.overrunDeadline(st); now.Before(dl) && m.lastOutcome() == core.StatusUp {
			m.setStatus(core.StatusUp, now, "check changed: the open run is inside the max runtime of "+
				FormatDuration(m.plan.maxRuntime)+" (until "+formatClock(dl, now, m.plan.loc)+")")
		}
		return
	}
	if (st.Status != core.StatusLate && st.Status != core.StatusDown) || st.Running() || m.lastOutcome() != core.StatusUp {
		return
	}
	expected, deadline, ok := m.plan.deadlines(st)
	if !ok {
		return
	}
	clock := func(x time.Time) string { return formatClock(x, now, m.plan.loc) }
	switch {
	case now.Before(expected):
		m.setStatus(core.StatusUp, now, "schedule changed: the next run is expected at "+clock(expected))
	case now.Before(deadline) && st.Status == core.StatusDown:
		m.setStatus(core.StatusLate, now, "schedule changed: the next run was expected at "+clock(expected)+
			"; grace ends "+clock(deadline))
	}
}
