package status_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

func runs(c *core.Check) []core.Run { return c.State.OpenRuns }

func runCases() []machineCase {
	two := []event{{op: "success"}, {op: "start", at: 50 * mn, rid: "A"}, {op: "start", at: 51 * mn, rid: "B"}}
	with := func(evs ...event) []event { return append(append([]event{}, two...), evs...) }
	return []machineCase{{
		name:   "overrun: nothing just before start plus max runtime",
		events: []event{{op: "start"}, {op: "eval", at: 30*mn - 1}},
		want:   N, display: core.StatusRunning, next: ptr(30 * mn),
	}, {
		name:   "overrun: overrunning exactly at start plus max runtime",
		events: []event{{op: "start"}, {op: "eval", at: 30 * mn}},
		want:   O, trans: []tr{{N, O, 30 * mn}}, next: ptr(never),
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Equal(t, "started at 03:00 UTC and no finish signal within the max runtime of 30m (ended 03:30 UTC)",
				last.Transitions[0].Reason)
			assert.True(t, last.Transitions[0].Alerts())
		},
	}, {
		name:   "overrun suspends late and down, and stays until a finish",
		events: []event{{op: "success"}, {op: "start", at: 50 * mn}, {op: "eval", at: 10 * hr}},
		want:   O, trans: []tr{{N, U, 0}, {U, O, 80 * mn}}, next: ptr(never),
	}, {
		name:   "overrunning to up on success",
		events: []event{{op: "start"}, {op: "eval", at: 30 * mn}, {op: "success", at: 40 * mn}},
		want:   U, trans: []tr{{N, O, 30 * mn}, {O, U, 40 * mn}}, next: ptr(hr + mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, 40*mn, last.Duration)
			assert.Equal(t, t0, c.State.LastRunAt, "the run's start is the base")
			assert.True(t, last.Transitions[0].Alerts())
		},
	}, {
		name:   "overrunning to failed on fail",
		events: []event{{op: "start"}, {op: "eval", at: 30 * mn}, {op: "fail", at: 40 * mn}},
		want:   F, trans: []tr{{N, O, 30 * mn}, {O, F, 40 * mn}},
	}, {
		name:   "a run open while late holds off down",
		events: []event{{op: "success"}, {op: "eval", at: 65 * mn}, {op: "start", at: 66 * mn}, {op: "eval", at: 90 * mn}},
		want:   L, display: core.StatusRunning, trans: []tr{{N, U, 0}, {U, L, hr + mn}}, next: ptr(96 * mn),
	}, {
		name:   "on-time start and success: the start is the base, no note",
		events: []event{{op: "success"}, {op: "start", at: 55 * mn}, {op: "success", at: 80 * mn}},
		want:   U, trans: []tr{{N, U, 0}}, next: ptr(116 * mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, 25*mn, last.Duration)
			assert.Empty(t, last.Notes)
			assert.Equal(t, at(55*mn), c.State.LastRunAt)
		},
	}, {
		name:   "overlapping runs: success A leaves B running",
		events: with(event{op: "success", at: 55 * mn, rid: "A"}),
		want:   U, display: core.StatusRunning, trans: []tr{{N, U, 0}}, next: ptr(81 * mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, []core.Run{{ID: "B", StartedAt: at(51 * mn)}}, runs(c))
			assert.Equal(t, 5*mn, last.Duration)
			assert.Equal(t, at(50*mn), c.State.LastRunAt)
		},
	}, {
		name:   "success without a run id closes every run",
		events: with(event{op: "success", at: 55 * mn}),
		want:   U, trans: []tr{{N, U, 0}}, next: ptr(112 * mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Empty(t, runs(c))
			assert.Equal(t, 4*mn, last.Duration, "from the most recent start")
			assert.Equal(t, at(51*mn), c.State.LastRunAt)
		},
	}, {
		name:   "success with an unknown run id leaves the open start running",
		events: []event{{op: "start", rid: "A"}, {op: "success", at: 5 * mn, rid: "X"}},
		want:   U, display: core.StatusRunning, trans: []tr{{N, U, 5 * mn}}, next: ptr(30 * mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, []core.Run{{ID: "A", StartedAt: t0}}, runs(c))
			assert.Zero(t, last.Duration)
			assert.Equal(t, at(5*mn), c.State.LastRunAt)
		},
	}, {
		name:   "overlapping runs: fail A leaves B running",
		events: with(event{op: "fail", at: 55 * mn, rid: "A"}),
		want:   F, display: core.StatusRunning, trans: []tr{{N, U, 0}, {U, F, 55 * mn}}, next: ptr(81 * mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, []core.Run{{ID: "B", StartedAt: at(51 * mn)}}, runs(c))
			assert.Equal(t, 5*mn, last.Duration, "from run A")
			assert.Equal(t, at(50*mn), c.State.LastRunAt)
		},
	}, {
		name:   "overlapping runs: B succeeds after A failed, with its own duration",
		events: with(event{op: "fail", at: 55 * mn, rid: "A"}, event{op: "success", at: 71 * mn, rid: "B"}),
		want:   U, trans: []tr{{N, U, 0}, {U, F, 55 * mn}, {F, U, 71 * mn}},
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Empty(t, runs(c))
			assert.Equal(t, 20*mn, last.Duration, "from run B's start")
			assert.Equal(t, at(51*mn), c.State.LastRunAt)
		},
	}, {
		name: "an open run inside its max runtime from a resume is not abandoned by a later run",
		events: []event{{op: "start", rid: "a"}, {op: "pause", at: 5 * mn}, {op: "resume", at: 2 * hr},
			{op: "start", at: 2*hr + 10*mn, rid: "b"}, {op: "success", at: 2*hr + 15*mn, rid: "b"}},
		want: U, display: core.StatusRunning, trans: []tr{{N, P, 5 * mn}, {P, N, 2 * hr}, {N, U, 2*hr + 15*mn}},
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Equal(t, []core.Run{{ID: "a", StartedAt: t0}}, runs(c), "a has until 05:30")
		},
	}, {
		name: "a stale finish of the run that overran ends the overrunning",
		events: []event{{op: "success", at: -hr}, {op: "start", rid: "a"}, {op: "log", at: 25 * mn},
			{op: "eval", at: 31 * mn}, {op: "success", at: 20 * mn, now: 40 * mn, rid: "a"}, {op: "eval", at: 5 * hr}},
		want: D, trans: []tr{{N, U, -hr}, {U, O, 30 * mn}, {O, U, 40 * mn}, {U, L, hr + mn}, {L, D, hr + 10*mn}},
		next: ptr(never),
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Empty(t, runs(c))
			assert.Equal(t, t0, c.State.LastRunAt, "the next run is expected an hour after a's start")
		},
	}, {
		name: "a stale finish that ends the overrunning does not say the status did not change",
		events: []event{{op: "success", at: -hr}, {op: "start", rid: "a"}, {op: "log", at: 25 * mn},
			{op: "eval", at: 31 * mn}, {op: "success", at: 20 * mn, now: 40 * mn, rid: "a"}},
		want: U, trans: []tr{{N, U, -hr}, {U, O, 30 * mn}, {O, U, 40 * mn}},
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.NotContains(t, strings.Join(last.Notes, "\n"), "status not changed")
			assert.Contains(t, strings.Join(last.Notes, "\n"), "delivered late: happened at 03:20 UTC")
		},
	}, {
		name:   "fail with an unknown run id closes everything",
		events: with(event{op: "fail", at: 55 * mn, rid: "X"}),
		want:   F, trans: []tr{{N, U, 0}, {U, F, 55 * mn}},
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Empty(t, runs(c))
			assert.Equal(t, 4*mn, last.Duration, "from the most recent start")
		},
	}, {
		name:   "a start with an open run's id replaces it",
		events: []event{{op: "start", rid: "A"}, {op: "start", at: 2 * mn, rid: "B"}, {op: "start", at: 5 * mn, rid: "A"}},
		want:   N, display: core.StatusRunning, next: ptr(32 * mn),
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Equal(t, []core.Run{{ID: "B", StartedAt: at(2 * mn)}, {ID: "A", StartedAt: at(5 * mn)}}, runs(c))
		},
	}, {
		name:   "starts without run ids replace each other",
		events: []event{{op: "start"}, {op: "start", at: 5 * mn}},
		want:   N, display: core.StatusRunning, next: ptr(35 * mn),
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Equal(t, []core.Run{{StartedAt: at(5 * mn)}}, runs(c))
		},
	}, {
		name:   "at most 16 open runs, the oldest dropped",
		events: manyStarts(17),
		want:   N, display: core.StatusRunning, next: ptr(30*mn + time.Second),
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Len(t, runs(c), status.MaxOpenRuns)
			assert.Equal(t, "r1", runs(c)[0].ID)
			assert.Equal(t, "r16", runs(c)[15].ID)
		},
	}}
}

func manyStarts(n int) []event {
	var evs []event
	for i := range n {
		evs = append(evs, event{op: "start", at: time.Duration(i) * time.Second, rid: fmt.Sprintf("r%d", i)})
	}
	return evs
}

func pauseCases() []machineCase {
	return []machineCase{{
		name: "paused check records signals and stays paused",
		events: []event{{op: "success"}, {op: "pause", at: 10 * mn}, {op: "fail", at: 20 * mn},
			{op: "start", at: 30 * mn}, {op: "eval", at: 10 * hr}},
		want: P, trans: []tr{{N, U, 0}, {U, P, 10 * mn}}, next: ptr(never),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, at(20*mn), c.State.LastFailureAt)
			assert.Equal(t, -1, c.State.LastExitCode, "a fail without a code")
			assert.Len(t, runs(c), 1)
			assert.Equal(t, core.StatusPaused, c.DisplayStatus())
		},
	}, {
		name:   "pause reason",
		events: []event{{op: "pause", at: 10 * mn}},
		want:   P, trans: []tr{{N, P, 10 * mn}},
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Equal(t, "paused", last.Transitions[0].Reason)
			assert.False(t, last.Transitions[0].Alerts())
		},
	}, {
		name:   "resume to up counts deadlines from the resume",
		events: []event{{op: "success"}, {op: "pause", at: 10 * mn}, {op: "eval", at: 5 * hr}, {op: "resume", at: 6 * hr}},
		want:   U, trans: []tr{{N, U, 0}, {U, P, 10 * mn}, {P, U, 6 * hr}}, next: ptr(7*hr + mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, "resumed", last.Transitions[0].Reason)
			assert.Equal(t, at(6*hr), c.State.ResumedAt)
		},
	}, {
		name: "resumed check goes late and down again",
		events: []event{{op: "success"}, {op: "pause", at: 10 * mn}, {op: "resume", at: 6 * hr},
			{op: "eval", at: 8 * hr}},
		want: D, trans: []tr{{N, U, 0}, {U, P, 10 * mn}, {P, U, 6 * hr}, {U, L, 7*hr + mn}, {L, D, 7*hr + 10*mn}},
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Contains(t, last.Transitions[0].Reason, "since the check was resumed at 09:00 UTC")
		},
	}, {
		name:   "resume to failed after a failure",
		events: []event{{op: "fail"}, {op: "pause", at: 5 * mn}, {op: "resume", at: hr}},
		want:   F, trans: []tr{{N, F, 0}, {F, P, 5 * mn}, {P, F, hr}}, next: ptr(hr + 70*mn),
	}, {
		name:   "resume to up after a success while paused",
		events: []event{{op: "fail"}, {op: "pause", at: 5 * mn}, {op: "success", at: 10 * mn}, {op: "resume", at: 20 * mn}},
		want:   U, trans: []tr{{N, F, 0}, {F, P, 5 * mn}, {P, U, 20 * mn}}, next: ptr(81 * mn),
	}, {
		name:   "resume to new when it never finished",
		events: []event{{op: "pause"}, {op: "resume", at: hr}},
		want:   N, trans: []tr{{N, P, 0}, {P, N, hr}}, next: ptr(never),
	}, {
		name: "an open run's max runtime counts from the resume",
		events: []event{{op: "start"}, {op: "pause", at: 5 * mn}, {op: "resume", at: 2 * hr}, {op: "eval", at: 2 * hr},
			{op: "eval", at: 2*hr + 30*mn}},
		want: O, trans: []tr{{N, P, 5 * mn}, {P, N, 2 * hr}, {N, O, 2*hr + 30*mn}}, next: ptr(never),
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Equal(t, "started at 03:00 UTC and no finish signal within the max runtime of 30m after the check was resumed at 05:00 UTC (ended 05:30 UTC)",
				last.Transitions[0].Reason)
		},
	}, {
		name:   "pausing a paused check is a no-op",
		events: []event{{op: "pause"}, {op: "pause", at: hr}},
		want:   P, trans: []tr{{N, P, 0}},
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Equal(t, t0, c.State.StatusSince)
		},
	}, {
		name:   "resuming an unpaused check is a no-op",
		events: []event{{op: "success"}, {op: "resume", at: 10 * mn}},
		want:   U, trans: []tr{{N, U, 0}}, next: ptr(hr + mn),
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.True(t, c.State.ResumedAt.IsZero())
		},
	}}
}

func TestExpected(t *testing.T) {
	tests := []struct {
		name   string
		events []event
		ok     bool
		exp    time.Duration
		dl     time.Duration
	}{
		{name: "new", ok: false},
		{name: "up", events: []event{{op: "success"}}, ok: true, exp: hr, dl: 70 * mn},
		{name: "down", events: []event{{op: "success"}, {op: "eval", at: 3 * hr}}, ok: true, exp: hr, dl: 70 * mn},
		{name: "failed", events: []event{{op: "fail", at: 10 * mn}}, ok: true, exp: 70 * mn, dl: 80 * mn},
		{name: "running", events: []event{{op: "success"}, {op: "start", at: 5 * mn}}, ok: false},
		{name: "paused", events: []event{{op: "success"}, {op: "pause", at: 5 * mn}}, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := periodCheck()
			play(t, &c, tt.events)
			exp, dl, ok := status.Expected(&c)
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.Equal(t, at(tt.exp), exp)
				assert.Equal(t, at(tt.dl), dl)
			}
		})
	}
}

// TestStaleFinishClosesItsRun: a finish delivered late (the spool) after a
// newer signal changes no status, but the run it names is over: left open,
// it would go overrunning although the job finished in time.
func TestStaleFinishClosesItsRun(t *testing.T) {
	tests := []struct {
		name   string
		finish event
		want   core.Status
		trans  []tr
		runs   []string
	}{
		{"success with the run's rid", event{op: "success", at: 10 * mn, now: 26 * mn, rid: "a"},
			U, []tr{{N, U, 0}}, []string{"b"}},
		{"failure with the run's rid", event{op: "fail", at: 10 * mn, now: 26 * mn, rid: "a"},
			U, []tr{{N, U, 0}}, []string{"b"}},
		{"another rid closes nothing", event{op: "success", at: 10 * mn, now: 26 * mn, rid: "c"},
			O, []tr{{N, U, 0}, {U, O, 30 * mn}}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := periodCheck() // max runtime 30m
			_, all := play(t, &c, []event{
				{op: "success"},
				{op: "start", at: 0, rid: "a"},
				{op: "start", at: 20 * mn, rid: "b"}, // the next run, in real time
			})
			last := do(&c, tt.finish)
			assert.True(t, last.Stale)
			assert.Empty(t, last.Transitions, "a stale signal changes no status")
			c.State = last.State
			if len(tt.runs) == 1 {
				assert.Equal(t, 10*mn, last.Duration)
			}
			_, more := play(t, &c, []event{{op: "eval", at: 35 * mn}})
			all = append(all, more...)
			assert.Equal(t, tt.trans, transitions(all))
			assert.Equal(t, tt.want, c.State.Status)
			var ids []string
			for _, r := range c.State.OpenRuns {
				ids = append(ids, r.ID)
			}
			assert.Equal(t, tt.runs, ids)
		})
	}
}

// TestAbandonSupersededRuns: a run killed without a finish (pakyas killed
// with it) does not keep the check overrunning once a later run has
// succeeded; a run still inside its max runtime keeps overlapping.
func TestAbandonSupersededRuns(t *testing.T) {
	c := periodCheck()
	last, trans := play(t, &c, []event{
		{op: "start", rid: "A"}, {op: "eval", at: 30 * mn},
		{op: "start", at: hr, rid: "B"}, {op: "success", at: hr + mn, rid: "B"},
	})
	assert.Equal(t, core.StatusUp, c.State.Status)
	assert.Empty(t, runs(&c), "run A is no longer waited for")
	assert.Equal(t, []tr{{N, O, 30 * mn}, {O, U, hr + mn}}, transitions(trans))
	require.Len(t, last.Notes, 1)
	assert.Contains(t, last.Notes[0], "(rid A) never finished")

	c = periodCheck()
	play(t, &c, []event{
		{op: "start", rid: "A"}, {op: "start", at: 5 * mn, rid: "B"}, {op: "success", at: 6 * mn, rid: "B"},
	})
	assert.Equal(t, core.StatusRunning, c.DisplayStatus(), "A is inside its max runtime and still running")
	require.Len(t, runs(&c), 1)
	assert.Equal(t, "A", runs(&c)[0].ID)
}

// TestRescheduleReconsiders: a check late or down under a schedule that was
// too tight is On Schedule again once the schedule is fixed, if its last run
// succeeded; a failed check stays failed.
func TestRescheduleReconsiders(t *testing.T) {
	c := periodCheck()
	play(t, &c, []event{{op: "success"}, {op: "eval", at: 2 * hr}})
	require.Equal(t, core.StatusDown, c.State.Status)
	c.Schedule.Period = 3 * time.Hour
	res := status.Reschedule(&c, at(2*hr))
	assert.Equal(t, core.StatusUp, res.State.Status)
	require.Len(t, res.Transitions, 1)
	assert.Equal(t, core.StatusDown, res.Transitions[0].From)
	assert.Contains(t, res.Transitions[0].Reason, "schedule changed")
	assert.True(t, res.Transitions[0].Alerts(), "people who were told it is missing hear it is not")
	assert.Equal(t, at(3*hr+mn), res.State.NextEvalAt)

	c = periodCheck()
	play(t, &c, []event{{op: "fail"}, {op: "eval", at: 2 * hr}})
	require.Equal(t, core.StatusDown, c.State.Status)
	c.Schedule.Period = 3 * time.Hour
	res = status.Reschedule(&c, at(2*hr))
	assert.Equal(t, core.StatusDown, res.State.Status, "the last run failed: a schedule change does not make it healthy")
	assert.Empty(t, res.Transitions)
}

// TestRescheduleLongerMaxRuntime: raising the max runtime of an
// overrunning check whose run is inside the new one gives it the status
// of its last finish back (a recovery people are told of); a run past
// even the new one stays overrunning.
func TestRescheduleLongerMaxRuntime(t *testing.T) {
	c := periodCheck()
	play(t, &c, []event{{op: "success"}, {op: "start", at: hr}, {op: "eval", at: hr + 40*mn}})
	require.Equal(t, core.StatusOverrunning, c.State.Status)
	longer := c
	longer.MaxRuntime = 2 * time.Hour
	res := status.Reschedule(&longer, at(hr+40*mn))
	assert.Equal(t, core.StatusUp, res.State.Status)
	require.Len(t, res.Transitions, 1)
	assert.Equal(t, "check changed: the open run is inside the max runtime of 2h (until 06:00 UTC)", res.Transitions[0].Reason)
	assert.True(t, res.Transitions[0].Alerts())
	assert.Equal(t, at(3*hr), res.State.NextEvalAt, "overrunning again at the new limit")

	shorter := c
	shorter.MaxRuntime = 35 * time.Minute
	res = status.Reschedule(&shorter, at(hr+40*mn))
	assert.Equal(t, core.StatusOverrunning, res.State.Status)
	assert.Empty(t, res.Transitions)
}

// TestRescheduleLongerMaxRuntimeNoSuccess: a check whose first run is the
// one overrunning (or whose last run failed) stays overrunning when its
// max runtime is raised, until the run finishes: no status to go back to.
func TestRescheduleLongerMaxRuntimeNoSuccess(t *testing.T) {
	for _, first := range []string{"", "fail"} {
		c := periodCheck()
		var events []event
		if first != "" {
			events = append(events, event{op: first})
		}
		play(t, &c, append(events, event{op: "start", at: hr}, event{op: "eval", at: hr + 40*mn}))
		require.Equal(t, core.StatusOverrunning, c.State.Status)
		c.MaxRuntime = 2 * time.Hour
		res := status.Reschedule(&c, at(hr+40*mn))
		assert.Equal(t, core.StatusOverrunning, res.State.Status, "after %q", first)
		assert.Empty(t, res.Transitions)
	}
}

// TestCrashedRunDoesNotHideFailures: a run that never reported (killed
// with pakyas) is dropped when a later run fails past its max runtime, as
// when one succeeds: the failures are alerted, not hidden behind
// overrunning.
func TestCrashedRunDoesNotHideFailures(t *testing.T) {
	c := periodCheck()
	_, all := play(t, &c, []event{{op: "success", at: -hr}, {op: "start", rid: "a"}, {op: "eval", at: 35 * mn},
		{op: "start", at: hr, rid: "r1"}, {op: "fail", at: hr + 2*mn, rid: "r1"},
		{op: "start", at: 2 * hr, rid: "r2"}, {op: "fail", at: 2*hr + 2*mn, rid: "r2"}})
	assert.Equal(t, []tr{{N, U, -hr}, {U, O, 30 * mn}, {O, F, hr + 2*mn}}, transitions(all))
	assert.Empty(t, c.State.OpenRuns)
}

// TestStaleFinishOfOverrunKeepsNewerFailure: a late success of the run
// that overran does not hide a newer run's failure.
func TestStaleFinishOfOverrunKeepsNewerFailure(t *testing.T) {
	c := periodCheck()
	c.MaxRuntime = 2 * time.Hour
	_, all := play(t, &c, []event{{op: "success"}, {op: "start", at: hr, rid: "a"}, {op: "start", at: 100 * mn, rid: "b"},
		{op: "fail", at: 105 * mn, rid: "b", code: ptr(2)}, {op: "eval", at: 3*hr + 5*mn},
		{op: "success", at: 99 * mn, now: 3*hr + 10*mn, rid: "a"}})
	assert.Equal(t, []tr{{N, U, 0}, {U, F, 105 * mn}, {F, O, 3 * hr}, {O, F, 3*hr + 10*mn}, {F, D, 3*hr + 10*mn}}, transitions(all),
		"failed again, then missing (the next run was due at 04:40): never up")
	assert.Equal(t, 2, c.State.LastExitCode)
}

// TestLateStartWaitsForItsFinish: a start delivered late (a spool's
// replay) is not judged overrunning at once: its finish, right behind it,
// has LateStartWait to arrive. Before, a 0-second run replayed 40 s late
// with a 30 s max runtime alerted Overrunning, then recovered.
func TestLateStartWaitsForItsFinish(t *testing.T) {
	c := periodCheck()
	c.MaxRuntime = 30 * time.Second
	_, all := play(t, &c, []event{{op: "success"},
		{op: "start", at: hr, now: hr + 40*time.Second, rid: "r"},
		{op: "success", at: hr, now: hr + 41*time.Second, rid: "r"}})
	assert.Equal(t, []tr{{N, U, 0}}, transitions(all))

	// Its finish lost for good: overrunning LateStartWait after the start
	// arrived, and the reason gives the run's own limit.
	c = periodCheck()
	c.MaxRuntime = 30 * time.Second
	last, all := play(t, &c, []event{{op: "success"},
		{op: "start", at: hr, now: hr + 40*time.Second, rid: "r"},
		{op: "eval", at: hr + 49*time.Second}, {op: "eval", at: hr + 50*time.Second}})
	assert.Equal(t, []tr{{N, U, 0}, {U, O, hr + 50*time.Second}}, transitions(all))
	assert.Equal(t, `run "r" started at 04:00 UTC and no finish signal within the max runtime of 30s (ended 04:00:30 UTC)`, last.Transitions[0].Reason)
}
