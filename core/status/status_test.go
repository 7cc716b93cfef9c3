package status_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

const (
	N  = core.StatusNew
	U  = core.StatusUp
	L  = core.StatusLate
	D  = core.StatusDown
	F  = core.StatusFailed
	O  = core.StatusOverrunning
	P  = core.StatusPaused
	mn = time.Minute
	hr = time.Hour
)

// machineCase is one scenario of the state machine on periodCheck (every
// 1h, grace 10m, max runtime 30m; expected 04:00, grace ends 04:10 after a
// run at 03:00).
type machineCase struct {
	name    string
	check   func() core.Check // periodCheck when nil
	events  []event
	want    core.Status
	display core.Status // DisplayStatus; want when empty
	trans   []tr
	next    *time.Duration // NextEvalAt after t0 (never: zero); unchecked when nil
	extra   func(t *testing.T, c *core.Check, last status.Result)
}

func TestMachine(t *testing.T) {
	var cases []machineCase
	cases = append(cases, signalCases()...)
	cases = append(cases, deadlineCases()...)
	cases = append(cases, runCases()...)
	cases = append(cases, pauseCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := periodCheck()
			if tc.check != nil {
				c = tc.check()
			}
			last, all := play(t, &c, tc.events)
			assert.Equal(t, tc.want, c.State.Status, "settled status")
			display := tc.display
			if display == "" {
				display = tc.want
			}
			assert.Equal(t, display, c.DisplayStatus(), "display status")
			if tc.trans == nil {
				tc.trans = []tr{}
			}
			assert.Equal(t, tc.trans, transitions(all), "transitions")
			if tc.next != nil {
				want := time.Time{}
				if *tc.next != never {
					want = at(*tc.next)
				}
				assert.Equal(t, want, c.State.NextEvalAt, "NextEvalAt")
			}
			if tc.extra != nil {
				tc.extra(t, &c, last)
			}
		})
	}
}

func signalCases() []machineCase {
	return []machineCase{{
		name:   "new to up on success",
		events: []event{{op: "success"}},
		want:   U, trans: []tr{{N, U, 0}}, next: ptr(hr + mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, "success signal, no exit code", last.Transitions[0].Reason)
			assert.Equal(t, -1, last.State.LastExitCode, "unknown, as the signal says")
			assert.Equal(t, t0, c.State.LastRunAt)
			assert.Equal(t, t0, c.State.LastSuccessAt)
			assert.Equal(t, t0, c.State.StatusSince)
			assert.False(t, last.Transitions[0].Alerts(), "first success is no alert")
		},
	}, {
		name:   "start keeps new and shows running",
		events: []event{{op: "start"}},
		want:   N, display: core.StatusRunning, next: ptr(30 * mn),
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Equal(t, []core.Run{{StartedAt: t0}}, c.State.OpenRuns)
			assert.Equal(t, t0, c.State.LastStartAt)
			assert.Equal(t, -1, c.State.LastExitCode)
		},
	}, {
		name:   "start keeps up and shows running",
		events: []event{{op: "success"}, {op: "start", at: 50 * mn}},
		want:   U, display: core.StatusRunning, trans: []tr{{N, U, 0}}, next: ptr(80 * mn),
	}, {
		name:   "fail start fail is one transition into failed",
		events: []event{{op: "fail"}, {op: "start", at: 30 * mn}, {op: "fail", at: 35 * mn}},
		want:   F, trans: []tr{{N, F, 0}}, next: ptr(30*mn + 70*mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Empty(t, last.Transitions)
			assert.Equal(t, -1, c.State.LastExitCode, "a fail without a code: unknown")
			assert.Equal(t, at(35*mn), c.State.LastFailureAt)
			assert.Equal(t, 5*mn, last.Duration)
		},
	}, {
		name: "up to failed alerts once however often it fails",
		events: []event{{op: "success"}, {op: "fail", at: 50 * mn},
			{op: "start", at: 90 * mn}, {op: "fail", at: 91 * mn}, {op: "fail", at: 92 * mn}},
		want: F, trans: []tr{{N, U, 0}, {U, F, 50 * mn}},
	}, {
		name:   "exit codes are the reason",
		events: []event{{op: "fail", code: ptr(2)}, {op: "success", at: 10 * mn, code: ptr(0)}},
		want:   U, trans: []tr{{N, F, 0}, {F, U, 10 * mn}},
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, "exit code 0", last.Transitions[0].Reason)
			assert.True(t, last.Transitions[0].Alerts(), "recovery from failed alerts")
		},
	}, {
		name:   "exit code 2",
		events: []event{{op: "success"}, {op: "fail", at: 10 * mn, code: ptr(2)}},
		want:   F, trans: []tr{{N, U, 0}, {U, F, 10 * mn}},
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.Equal(t, "exit code 2", last.Transitions[0].Reason)
			assert.Equal(t, 2, c.State.LastExitCode)
			assert.True(t, last.Transitions[0].Alerts())
		},
	}, {
		name:   "log changes nothing but LastSignalAt",
		events: []event{{op: "success"}, {op: "log", at: 20 * mn}},
		want:   U, trans: []tr{{N, U, 0}}, next: ptr(hr + mn),
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Equal(t, at(20*mn), c.State.LastSignalAt)
			assert.Equal(t, t0, c.State.LastRunAt)
		},
	}, {
		name:   "log on a new check",
		events: []event{{op: "log"}},
		want:   N, next: ptr(never),
	}, {
		name:   "stale signal is recorded only",
		events: []event{{op: "success", at: 10 * mn}, {op: "fail", at: 5 * mn, now: 11 * mn}},
		want:   U, trans: []tr{{N, U, 10 * mn}}, next: ptr(71 * mn),
		extra: func(t *testing.T, c *core.Check, last status.Result) {
			assert.True(t, last.Stale)
			assert.Equal(t, []string{"delivered late: happened at 03:05 UTC, after a newer signal " +
				"had already arrived; status not changed"}, last.Notes)
			assert.True(t, c.State.LastFailureAt.IsZero())
			assert.Equal(t, -1, c.State.LastExitCode, "the success's (it had no code); not the stale fail's")
			assert.Equal(t, at(10*mn), c.State.LastSignalAt)
		},
	}, {
		name:   "signal at the same instant as the newest is not stale",
		events: []event{{op: "start", at: 10 * mn}, {op: "success", at: 10 * mn}},
		want:   U, trans: []tr{{N, U, 10 * mn}},
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.False(t, last.Stale)
		},
	}}
}

func deadlineCases() []machineCase {
	noGrace := func() core.Check {
		c := periodCheck()
		c.Schedule.Grace = 0
		return c
	}
	return []machineCase{{
		name:   "on time success stays up",
		events: []event{{op: "success"}, {op: "eval", at: 59 * mn}, {op: "success", at: 59 * mn}},
		want:   U, trans: []tr{{N, U, 0}}, next: ptr(120 * mn),
	}, {
		name:   "late inside the grace",
		events: []event{{op: "success"}, {op: "eval", at: hr - 1}, {op: "eval", at: 65 * mn}},
		want:   L, trans: []tr{{N, U, 0}, {U, L, hr + mn}}, next: ptr(70 * mn),
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Equal(t, "no success signal since 03:00 UTC; expected at 04:00 UTC, grace of 10m ends at 04:10 UTC",
				last.Transitions[0].Reason)
			assert.False(t, last.Transitions[0].Alerts(), "late does not alert")
		},
	}, {
		name:   "late then down in one evaluation after a long gap",
		events: []event{{op: "success"}, {op: "eval", at: 5 * hr}},
		want:   D, trans: []tr{{N, U, 0}, {U, L, hr + mn}, {L, D, 70 * mn}}, next: ptr(never),
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			require.Len(t, last.Transitions, 2)
			assert.Equal(t, "no success signal since 03:00 UTC; expected at 04:00 UTC, grace of 10m ended at 04:10 UTC",
				last.Transitions[1].Reason)
			assert.True(t, last.Transitions[1].Alerts())
		},
	}, {
		name:   "down stays down",
		events: []event{{op: "success"}, {op: "eval", at: 70 * mn}, {op: "eval", at: 50 * hr}},
		want:   D, trans: []tr{{N, U, 0}, {U, L, hr + mn}, {L, D, 70 * mn}}, next: ptr(never),
	}, {
		name:   "success after down recovers",
		events: []event{{op: "success"}, {op: "eval", at: 2 * hr}, {op: "success", at: 125 * mn}},
		want:   U, trans: []tr{{N, U, 0}, {U, L, hr + mn}, {L, D, 70 * mn}, {D, U, 125 * mn}}, next: ptr(186 * mn),
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			require.Len(t, last.Transitions, 1)
			assert.True(t, last.Transitions[0].Alerts(), "recovery alerts")
			assert.Equal(t, []string{"ran late by 1h 5m (expected at 04:00 UTC, grace ended 04:10 UTC)"}, last.Notes)
		},
	}, {
		name:   "success after the deadline sees the check down first",
		events: []event{{op: "success"}, {op: "success", at: 75 * mn}},
		want:   U, trans: []tr{{N, U, 0}, {U, L, hr + mn}, {L, D, 70 * mn}, {D, U, 75 * mn}},
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Equal(t, []string{"ran late by 15m (expected at 04:00 UTC, grace ended 04:10 UTC)"}, last.Notes)
		},
	}, {
		name:   "success inside the grace has no note",
		events: []event{{op: "success"}, {op: "success", at: 65 * mn}},
		want:   U, trans: []tr{{N, U, 0}, {U, L, hr + mn}, {L, U, 65 * mn}},
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Empty(t, last.Notes)
		},
	}, {
		name: "replayed old signal is judged at its time, then at now",
		events: []event{{op: "success"},
			{op: "success", at: 75 * mn, now: 3 * hr}},
		want: D,
		trans: []tr{{N, U, 0}, {U, L, hr + mn}, {L, D, 70 * mn}, {D, U, 75 * mn},
			{U, L, 136 * mn}, {L, D, 145 * mn}},
	}, {
		name:   "failed stays failed in the late window",
		events: []event{{op: "fail"}, {op: "eval", at: 65 * mn}},
		want:   F, trans: []tr{{N, F, 0}}, next: ptr(70 * mn),
	}, {
		name:   "failed goes down at the deadline",
		events: []event{{op: "fail"}, {op: "eval", at: 70 * mn}},
		want:   D, trans: []tr{{N, F, 0}, {F, D, 70 * mn}},
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Equal(t, "no run since the failed one at 03:00 UTC; expected at 04:00 UTC, grace of 10m ended at 04:10 UTC",
				last.Transitions[0].Reason)
		},
	}, {
		name:   "no grace goes straight to down",
		check:  noGrace,
		events: []event{{op: "success"}, {op: "eval", at: hr}},
		want:   D, trans: []tr{{N, U, 0}, {U, D, hr}},
		extra: func(t *testing.T, _ *core.Check, last status.Result) {
			assert.Contains(t, last.Transitions[0].Reason, "expected at 04:00 UTC, with no grace period")
		},
	}, {
		name:   "new checks expect nothing",
		events: []event{{op: "eval", at: 100 * hr}},
		want:   N, next: ptr(never),
	}, {
		name:   "a replayed success older than the down transition is dated after it",
		events: []event{{op: "success"}, {op: "eval", at: 75 * mn}, {op: "success", at: 59 * mn, now: 90 * mn}},
		want:   U, trans: []tr{{N, U, 0}, {U, L, hr + mn}, {L, D, 70 * mn}, {D, U, 70 * mn}},
		extra: func(t *testing.T, c *core.Check, _ status.Result) {
			assert.Equal(t, at(59*mn), c.State.LastRunAt, "the run still counts from when it ran")
		},
	}, {
		name: "shorter period: deadlines in the past are dated at the reschedule",
		events: []event{{op: "success"}, {op: "reschedule", at: 30 * mn, edit: func(c *core.Check) {
			c.Schedule.Period = 10 * mn
		}}},
		want: D, trans: []tr{{N, U, 0}, {U, L, 30 * mn}, {L, D, 30 * mn}},
	}, {
		name: "longer period moves NextEvalAt",
		events: []event{{op: "success"}, {op: "reschedule", at: 30 * mn, edit: func(c *core.Check) {
			c.Schedule.Period = 2 * hr
		}}},
		want: U, trans: []tr{{N, U, 0}}, next: ptr(2*hr + mn),
	}}
}
