package status

import (
	"fmt"
	"slices"
	"time"

	"github.com/pakyas/pakyas/core"
)

// Result is what applying one event to a check produced. The functions
// that return it never change the check they are given; the caller saves
// State and records Transitions and Notes on the timeline.
type Result struct {
	State       core.CheckState   // the new state (NextEvalAt recomputed)
	Transitions []core.Transition // settled-status changes, in order (usually 0 or 1)
	// Notes are plain-words explanations for the timeline, e.g. "ran late
	// by 1h 5m (expected at 03:00 UTC, grace ended 04:00 UTC)".
	Notes    []string
	Duration time.Duration // duration of the run a finish signal closed (0 if none)
	// Stale says the signal was older than the newest applied one: it is
	// recorded only, and State is the check's state unchanged, except that
	// a finish closes the open run its run id names (and, when that ends
	// the overrunning, the check leaves overrunning: see closeStaleRun).
	Stale bool
}

// NewState returns the state of a check created at now: status new, no
// signal yet, exit code unknown.
func NewState(now time.Time) core.CheckState {
	return core.CheckState{Status: core.StatusNew, StatusSince: now, LastExitCode: -1}
}

// Apply applies the signal sig to c. The event time is sig.OccurredAt; now
// is the server's time, after it. Deadlines are evaluated at the event time
// first (a success after the deadline finds the check down and recovers
// it), then the signal is applied, then deadlines are evaluated at now (a
// replayed signal may be old). A signal older than the newest applied one
// is stale: it changes no status, and only a finish naming an open run by
// its run id changes the state, by closing that run (and ending an
// overrunning that run caused: closeStaleRun). Callers should keep OccurredAt from being
// after ReceivedAt: a signal from the future would make later ones stale.
func Apply(c *core.Check, sig *core.Signal, now time.Time) Result {
	if sig == nil {
		return Evaluate(c, now)
	}
	m := newMachine(c)
	t := sig.OccurredAt
	if t.Before(m.st.LastSignalAt) {
		m.res.Stale = true
		late := "delivered late: happened at " + formatClock(t, m.st.LastSignalAt, m.plan.loc) +
			", after a newer signal had already arrived"
		// The note comes first; a transition, when the run it closes
		// ended the overrunning, says how the status changed.
		m.res.Notes = append(m.res.Notes, late)
		closed := m.closeStaleRun(sig, t, now)
		if len(m.res.Transitions) == 0 {
			m.res.Notes[0] += "; status not changed"
		}
		if closed {
			return m.result()
		}
		return m.unchanged()
	}
	m.evaluate(t)
	switch sig.Kind {
	case core.SignalStart:
		m.start(sig, t)
	case core.SignalSuccess:
		m.finish(sig, t, true)
	case core.SignalFail:
		m.finish(sig, t, false)
	}
	// A log signal (or a kind this version does not know) only counts as
	// a sign of life for ordering.
	m.st.LastSignalAt = later(m.st.LastSignalAt, t)
	m.evaluate(now)
	return m.result()
}

// closeStaleRun closes the open run a stale finish names by its run id:
// the run is over, whatever arrived since, and left open it would go
// overrunning although the job finished in time. Nothing else of the
// state changes, unless the check was overrunning and no open run is past
// its max runtime any more: then the run that overran is over, and the
// check leaves overrunning (to up, or failed for a failure) at now, the
// status it would have had. It reports whether it closed a run.
func (m *machine) closeStaleRun(sig *core.Signal, t, now time.Time) bool {
	if sig.RunID == "" || (sig.Kind != core.SignalSuccess && sig.Kind != core.SignalFail) {
		return false
	}
	i := slices.IndexFunc(m.st.OpenRuns, func(r core.Run) bool { return r.ID == sig.RunID })
	if i < 0 {
		return false
	}
	run := m.st.OpenRuns[i]
	m.st.OpenRuns = slices.Delete(m.st.OpenRuns, i, i+1)
	if t.After(run.StartedAt) {
		m.res.Duration = t.Sub(run.StartedAt)
	}
	m.note("closes run %q started at %s", run.ID, formatClock(run.StartedAt, t, m.plan.loc))
	if m.st.Status == core.StatusOverrunning {
		if _, dl := m.plan.overrunDeadline(&m.st); !m.st.Running() || now.Before(dl) {
			// The status is that of the newest finish, which may be
			// another run's.
			what := "succeeded"
			if sig.Kind != core.SignalSuccess {
				what = "failed"
			}
			m.recordOutcome(sig, t)
			m.st.LastRunAt = later(m.st.LastRunAt, run.StartedAt)
			m.setStatus(m.lastOutcome(), now, fmt.Sprintf("run %q %s at %s (delivered late): no run is overrunning now",
				run.ID, what, formatClock(t, now, m.plan.loc)))
			m.evaluate(now)
		}
	}
	return true
}

// Evaluate applies the passing of time up to now: up goes late OnTime
// after the expected time, up, late and failed go down at the end of the
// grace, and an open run goes overrunning after the max runtime (counted
// from a resume after its start). Each transition is
// dated at its deadline, so one call after a long gap may return several.
func Evaluate(c *core.Check, now time.Time) Result {
	m := newMachine(c)
	m.evaluate(now)
	return m.result()
}

// Pause stops monitoring c: its status becomes paused until Resume, and
// signals are recorded without changing it. Pausing a paused check is a
// no-op. Deadlines that passed unnoticed before the pause are not
// evaluated: pausing never alerts.
func Pause(c *core.Check, now time.Time) Result {
	return PauseUntil(c, now, time.Time{}, "paused")
}

// PauseUntil pauses c as Pause does, and, when until is not zero, resumes
// it by itself at until (Evaluate does it: NextEvalAt is until). reason is
// the transition's reason (who paused it, why, until when). Pausing a
// paused check sets its new end.
func PauseUntil(c *core.Check, now, until time.Time, reason string) Result {
	m := newMachine(c)
	if m.st.Status == core.StatusPaused {
		if m.st.PausedUntil.Equal(until) {
			return m.unchanged()
		}
		m.st.PausedUntil = until
		m.note("%s", reason)
		return m.result()
	}
	m.st.PausedUntil = until
	m.setStatus(core.StatusPaused, now, reason)
	return m.result()
}

// ExtendPause pauses c at least until until (zero: with no end), as a
// project pause, a deploy window, does: it only ever lengthens a pause. A
// check not paused is paused as PauseUntil does; a paused check whose own
// pause has no end or ends at until or later is unchanged, and keeps its
// reason (the window does not say why it was paused); one whose pause ends
// earlier is held until until, with reason as a note.
func ExtendPause(c *core.Check, now, until time.Time, reason string) Result {
	if c.State.Status == core.StatusPaused {
		end := c.State.PausedUntil
		if end.IsZero() || (!until.IsZero() && !end.Before(until)) {
			return newMachine(c).unchanged()
		}
	}
	return PauseUntil(c, now, until, reason)
}

// Resume restarts monitoring of a paused c. Its status comes from its last
// finish (up after a success, failed after a failure, new when it never
// finished a run), and deadlines count from now at the earliest, so time
// spent paused is not held against it; but a check that was Missing when it
// was paused, and ran nothing meanwhile, is Missing again. Resuming an unpaused check is a
// no-op.
func Resume(c *core.Check, now time.Time) Result {
	m := newMachine(c)
	if m.st.Status != core.StatusPaused {
		return m.unchanged()
	}
	m.resume(now, "resumed")
	return m.result()
}

// resume ends a pause at now. A check that was already Missing when it
// was paused (the grace after its last run ended before the pause began)
// and ran nothing meanwhile is Missing again: the pause hid nothing, and
// nothing was fixed.
func (m *machine) resume(now time.Time, reason string) {
	to := m.lastOutcome()
	pausedAt := m.st.StatusSince
	if _, deadline, ok := m.plan.deadlines(&m.st); ok && to != core.StatusNew && !deadline.After(pausedAt) &&
		!later(m.st.LastSuccessAt, m.st.LastFailureAt).After(pausedAt) {
		to = core.StatusDown
		reason += "; still Missing: no run since " + formatClock(m.st.LastRunAt, now, m.plan.loc)
	}
	m.st.ResumedAt, m.st.PausedUntil = now, time.Time{}
	m.setStatus(to, now, reason)
}

// lastOutcome returns the status the last finish gives: up after a
// success, failed after a failure, new when no run finished.
func (m *machine) lastOutcome() core.Status {
	switch {
	case !m.st.LastSuccessAt.IsZero() && m.st.LastSuccessAt.After(m.st.LastFailureAt):
		return core.StatusUp
	case !m.st.LastFailureAt.IsZero():
		return core.StatusFailed
	}
	return core.StatusNew
}

// Reschedule recomputes c's deadlines after its schedule or max runtime
// changed (c holds the new settings), then evaluates at now. A deadline
// the new schedule puts in the past is dated now, not in the past: it
// did not exist then.
func Reschedule(c *core.Check, now time.Time) Result {
	m := newMachine(c)
	m.floor = now
	m.reconsider(now)
	m.evaluate(now)
	return m.result()
}
