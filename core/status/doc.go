// Package status is the Pakyas signal model: how execution signals and the
// passing of time move a check between statuses. It is pure: no clock
// (every function is given the time), no I/O beyond time.LoadLocation
// reading the zone database, and it never changes the check it is given;
// each event returns a Result with the new state, the status transitions
// it caused and notes for the timeline.
//
// # Statuses
//
// The settled statuses are new, up, late, down, failed, overrunning and
// paused. Running is never stored: core.Check.DisplayStatus shows it while
// a run is open. Only settled-status changes are transitions, so repeated
// signals never alert twice.
//
// # Signals
//
// Apply takes a start, success, fail or log signal; an exit-code ping is a
// success (code 0) or a failure (other codes), and the code is only data.
// The event time t is the signal's OccurredAt.
//
//   - A signal older than the newest applied one is stale: it is recorded
//     with a note and changes nothing, except that a finish closes the
//     open run its rid names, and when that run was the one the check was
//     overrunning for, the check leaves overrunning.
//   - Otherwise deadlines are evaluated at t, the signal is applied, and
//     deadlines are evaluated again at the server's now.
//   - log changes nothing but LastSignalAt.
//   - start opens a run {rid, t}; a start with an open run's rid (or two
//     without one) replaces it; at most MaxOpenRuns are kept, the oldest
//     dropped. The settled status does not change: failed, start, failed
//     is one transition.
//   - success with a known rid closes that run; without a rid, all runs; with
//     an unknown rid, none (the others keep running). The status becomes up.
//     Open runs that began before the finished run and are past their max
//     runtime are dropped with a note: their jobs were killed without a
//     chance to report, and must not keep the check overrunning forever.
//   - fail with a known rid closes that run; without a rid, or with an
//     unknown one, every run. The status becomes failed. As after a
//     success, older open runs past their max runtime are dropped.
//   - A finish sets LastRunAt to the start of the run it closed (the
//     latest, when several), or to t when it closed none; Result.Duration is
//     that run's duration. A run that began after the end of the grace (its
//     start, or the finish itself when it sent no start) gets a note "ran
//     late by ...".
//   - A paused check records signals and their bookkeeping and stays
//     paused.
//
// # Deadlines
//
// New and paused checks expect nothing. While a run is open, late and down
// wait; the check goes overrunning when the earliest open run has lasted
// the max runtime (the grace when none is set; counted from the resume
// when the check was paused meanwhile), and stays so until a finish. Otherwise the next run is expected Period after, or at the next
// cron time after, the later of LastRunAt and ResumedAt (a run that
// started up to OnTime before a cron time is that time's run: the job's
// clock may be a little ahead); an up check goes late OnTime after the
// expected time (a start that reaches the server a moment after cron
// started the job is on time), and up, late and failed checks go down at
// the end of the grace (failed is already worse than late). Down stays down
// until a signal. A time-based transition is dated at its deadline, so one
// Evaluate after a long gap may return up→late→down; it is never dated
// before the current status began (a deadline that passed while paused),
// nor, after Reschedule, before the change. State.NextEvalAt is the next
// such deadline, zero when there is none.
//
// Pause makes a check paused; Resume makes it up, failed or new after its
// last finish, and deadlines count from the resume.
//
// # Cron and daylight saving
//
// Cron expressions have 5 fields (or a descriptor such as @daily) and a
// separate IANA time zone. Next follows ISC cron: a time inside a
// spring-forward gap is due when the gap ends, a time repeated when clocks
// go back is due once, at its first occurrence, and expressions with '*' in
// the minute or hour field follow the new clock (they skip gap times).
package status
