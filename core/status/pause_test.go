package status_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// TestPauseUntil: a pause with an end resumes by itself at it (the
// evaluation loop is woken then: NextEvalAt), the schedule counting from
// then; pausing again moves the end; a pause without an end waits.
func TestPauseUntil(t *testing.T) {
	t0 := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	c := &core.Check{Schedule: core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour, Grace: 5 * time.Minute}}
	c.State = status.NewState(t0)
	c.State = status.Apply(c, &core.Signal{Kind: core.SignalSuccess, OccurredAt: t0, ReceivedAt: t0}, t0).State

	until := t0.Add(2 * time.Hour)
	res := status.PauseUntil(c, t0.Add(time.Minute), until, "paused by ops@example.com until 12:00 UTC: deploy")
	require.Len(t, res.Transitions, 1)
	assert.Equal(t, "paused by ops@example.com until 12:00 UTC: deploy", res.Transitions[0].Reason)
	assert.Equal(t, until, res.State.NextEvalAt, "woken when the pause ends")
	c.State = res.State

	res = status.Evaluate(c, t0.Add(90*time.Minute))
	assert.Empty(t, res.Transitions, "still paused, though the hourly run was missed")

	later := until.Add(time.Hour)
	res = status.PauseUntil(c, t0.Add(100*time.Minute), later, "paused longer")
	assert.Empty(t, res.Transitions)
	assert.Equal(t, later, res.State.NextEvalAt, "pausing again moves the end")
	c.State = res.State

	res = status.Evaluate(c, later)
	require.Len(t, res.Transitions, 1)
	assert.Equal(t, core.Transition{From: core.StatusPaused, To: core.StatusUp, At: later, Reason: "the pause ended (13:00 UTC)"}, res.Transitions[0])
	assert.True(t, res.State.PausedUntil.IsZero())
	assert.Equal(t, later.Add(time.Hour+status.OnTime), res.State.NextEvalAt, "the schedule counts from the end of the pause (late OnTime after it)")

	c.State = status.Pause(c, later).State
	assert.True(t, status.Evaluate(c, later.Add(24*time.Hour)).State.NextEvalAt.IsZero(), "a pause without an end waits for resume")
}

// TestExtendPause: a project pause (a deploy window) only ever lengthens a
// check's pause: a check paused with no end, or until after the window,
// keeps its own pause and reason; one paused until before the window ends
// is held to its end; an unpaused one is paused.
func TestExtendPause(t *testing.T) {
	t0 := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	window := t0.Add(30 * time.Minute)
	week := t0.Add(7 * 24 * time.Hour)
	tests := []struct {
		name      string
		paused    bool      // paused before the window
		own       time.Time // the end of its own pause (zero: none)
		until     time.Time // the window's end (zero: none)
		wantUntil time.Time
		changed   bool
	}{
		{"not paused", false, time.Time{}, window, window, true},
		{"not paused, window without end", false, time.Time{}, time.Time{}, time.Time{}, true},
		{"paused without end", true, time.Time{}, window, time.Time{}, false},
		{"paused for a week", true, week, window, week, false},
		{"paused until the window's end", true, window, window, window, false},
		{"paused until before the window's end", true, t0.Add(10 * time.Minute), window, window, true},
		{"paused for a week, window without end", true, week, time.Time{}, time.Time{}, true},
		{"paused without end, window without end", true, time.Time{}, time.Time{}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &core.Check{Schedule: core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour, Grace: 5 * time.Minute}}
			c.State = status.NewState(t0)
			if tt.paused {
				c.State = status.PauseUntil(c, t0, tt.own, "paused by dba@example.com: migration").State
			}
			before := c.State

			res := status.ExtendPause(c, t0.Add(time.Minute), tt.until, "paused by ops@example.com: deploy")
			assert.Equal(t, core.StatusPaused, res.State.Status)
			assert.Equal(t, tt.wantUntil, res.State.PausedUntil)
			assert.Equal(t, before, c.State, "the check given is not changed")
			if !tt.changed {
				assert.Equal(t, before, res.State, "its own pause is kept")
				assert.Empty(t, res.Transitions)
				assert.Empty(t, res.Notes, "nor does the timeline say the deploy paused it")
				return
			}
			if tt.paused {
				assert.Empty(t, res.Transitions, "still paused")
				assert.Equal(t, []string{"paused by ops@example.com: deploy"}, res.Notes)
			} else {
				require.Len(t, res.Transitions, 1)
				assert.Equal(t, "paused by ops@example.com: deploy", res.Transitions[0].Reason)
			}
		})
	}
}

// TestResumeStillMissing: a check that was Missing when it was paused and
// ran nothing meanwhile is Missing again at the resume (it came back On
// Schedule, which sent a false recovery, then went Missing again a period
// later); one that ran during the pause, or was not yet Missing, comes
// back from its last run with a fresh window.
func TestResumeStillMissing(t *testing.T) {
	c := periodCheck()
	play(t, &c, []event{{op: "success"}, {op: "eval", at: 2 * hr}, {op: "pause", at: 2 * hr}})
	res := status.Resume(&c, at(3*hr))
	assert.Equal(t, core.StatusDown, res.State.Status)
	require.Len(t, res.Transitions, 1)
	assert.Equal(t, "resumed; still Missing: no run since 03:00 UTC", res.Transitions[0].Reason)

	c = periodCheck()
	play(t, &c, []event{{op: "success"}, {op: "eval", at: 2 * hr}, {op: "pause", at: 2 * hr}, {op: "success", at: 150 * mn}})
	assert.Equal(t, core.StatusUp, status.Resume(&c, at(3*hr)).State.Status, "it ran during the pause")

	c = periodCheck()
	play(t, &c, []event{{op: "success"}, {op: "pause", at: 65 * mn}})
	res = status.Resume(&c, at(5*hr))
	assert.Equal(t, core.StatusUp, res.State.Status, "late, not Missing, when paused: a fresh window")
	assert.Equal(t, at(6*hr+mn), res.State.NextEvalAt)
}
