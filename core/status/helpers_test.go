package status_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// t0 is 03:00 UTC, the start of every scenario.
var t0 = time.Date(2025, time.January, 6, 3, 0, 0, 0, time.UTC)

// never, as an expected NextEvalAt offset, means "zero time".
const never = time.Duration(math.MinInt64)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr[T any](v T) *T { return &v }

// periodCheck runs every hour with 10m of grace and 30m of max runtime.
func periodCheck() core.Check {
	return core.Check{
		ID:         "c1",
		Schedule:   core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour, Grace: 10 * time.Minute},
		MaxRuntime: 30 * time.Minute,
		State:      status.NewState(t0.Add(-time.Hour)),
	}
}

// event is one step of a scenario.
type event struct {
	op   string        // start, success, fail, log, eval, pause, resume, reschedule
	at   time.Duration // after t0: OccurredAt for signals, now otherwise
	now  time.Duration // after t0: the server's time for signals (at when earlier)
	rid  string
	code *int
	edit func(*core.Check) // reschedule: the new settings
}

func signal(kind core.SignalKind, ev event) *core.Signal {
	return &core.Signal{Kind: kind, RunID: ev.rid, ExitCode: ev.code, OccurredAt: at(ev.at), ReceivedAt: at(max(ev.at, ev.now))}
}

func do(c *core.Check, ev event) status.Result {
	now := at(max(ev.at, ev.now))
	switch ev.op {
	case "start", "success", "fail", "log":
		return status.Apply(c, signal(core.SignalKind(ev.op), ev), now)
	case "eval":
		return status.Evaluate(c, now)
	case "pause":
		return status.Pause(c, now)
	case "resume":
		return status.Resume(c, now)
	case "reschedule":
		if ev.edit != nil {
			ev.edit(c)
		}
		return status.Reschedule(c, now)
	}
	panic("unknown op " + ev.op)
}

// play runs the events on c, saving each new state as the server does, and
// returns the last Result and every transition. It fails the test if an
// event changes the check it is given.
func play(t *testing.T, c *core.Check, events []event) (status.Result, []core.Transition) {
	t.Helper()
	var last status.Result
	var all []core.Transition
	for i, ev := range events {
		if ev.edit != nil {
			ev.edit(c)
			ev.edit = nil
		}
		before := *c
		before.State.OpenRuns = append([]core.Run(nil), c.State.OpenRuns...)
		last = do(c, ev)
		require.Equal(t, before, *c, "event %d (%s) changed the check it was given", i, ev.op)
		for _, tr := range last.Transitions {
			require.NotEqual(t, tr.From, tr.To, "event %d: transition to the same status", i)
		}
		require.NotEqual(t, core.StatusRunning, last.State.Status, "event %d: running stored as settled status", i)
		c.State = last.State
		all = append(all, last.Transitions...)
	}
	return last, all
}

// tr is an expected transition, At as an offset from t0.
type tr struct {
	from, to core.Status
	at       time.Duration
}

func transitions(all []core.Transition) []tr {
	out := []tr{}
	for _, x := range all {
		out = append(out, tr{x.From, x.To, x.At.Sub(t0)})
	}
	return out
}
