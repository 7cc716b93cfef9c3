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
	assert.Equal(t, later.Add(time.Hour), res.State.NextEvalAt, "the schedule counts from the end of the pause")

	c.State = status.Pause(c, later).State
	assert.True(t, status.Evaluate(c, later.Add(24*time.Hour)).State.NextEvalAt.IsZero(), "a pause without an end waits for resume")
}
