package status_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// FuzzApply drives a check with arbitrary events: every byte triple is an
// operation, a time step (possibly backwards, to make stale and replayed
// signals) and a run id. Nothing may panic, running is never a settled
// status, and NextEvalAt must be exactly the next instant at which
// Evaluate changes the status.
func FuzzApply(f *testing.F) {
	f.Add([]byte{0, 10, 1, 1, 40, 1, 4, 200, 0})
	f.Add([]byte{0, 0, 0, 0, 5, 1, 2, 9, 2, 4, 255, 0, 5, 1, 0, 6, 3, 0})
	f.Add([]byte{1, 0, 0, 4, 90, 0, 2, 130, 3, 0, 1, 1, 3, 2, 1})
	f.Fuzz(fuzzEvents)
}

// fuzzEvents plays data on one of three checks: periodic, cron in Berlin
// around a DST change, and periodic with no grace nor max runtime.
func fuzzEvents(t *testing.T, data []byte) {
	checks := []core.Check{periodCheck(), cronCheck("30 2 * * *", "Europe/Berlin")(), periodCheck()}
	c := checks[len(data)%len(checks)]
	if len(data)%len(checks) == 2 {
		c.Schedule.Grace, c.MaxRuntime = 0, 0
	}
	clock := utc(2024, 3, 29, 0, 0)
	for i := 0; i+2 < len(data) && i < 300; i += 3 {
		op, step, rid := data[i]%8, time.Duration(int8(data[i+1]))*7*time.Minute, fmt.Sprint(data[i+2]%3)
		if rid == "0" {
			rid = ""
		}
		clock = clock.Add(step)
		res := fuzzEvent(&c, op, rid, clock)
		checkResult(t, &c, res)
		c.State = res.State
		checkNextEvalAt(t, &c)
	}
}

func fuzzEvent(c *core.Check, op byte, rid string, now time.Time) status.Result {
	kinds := []core.SignalKind{core.SignalStart, core.SignalSuccess, core.SignalFail, core.SignalLog}
	switch op {
	case 4:
		return status.Evaluate(c, now)
	case 5:
		return status.Pause(c, now)
	case 6:
		return status.Resume(c, now)
	case 7:
		return status.Reschedule(c, now)
	}
	code := int(op) - 1
	sig := &core.Signal{Kind: kinds[op], RunID: rid, ExitCode: &code, OccurredAt: now.Add(-time.Minute)}
	return status.Apply(c, sig, now)
}

func checkResult(t *testing.T, c *core.Check, res status.Result) {
	require.NotEqual(t, core.StatusRunning, res.State.Status)
	require.True(t, res.State.Status.Valid(), "status %q", res.State.Status)
	require.LessOrEqual(t, len(res.State.OpenRuns), status.MaxOpenRuns)
	from := c.State.Status
	for _, tr := range res.Transitions {
		require.Equal(t, from, tr.From, "transitions chain")
		require.NotEqual(t, tr.From, tr.To)
		require.NotEqual(t, core.StatusRunning, tr.To)
		from = tr.To
	}
	require.Equal(t, from, res.State.Status)
	if res.Stale && len(res.Transitions) > 0 {
		// Only a finish that ends the run a check was overrunning for.
		require.Equal(t, core.StatusOverrunning, c.State.Status, "a stale signal changes no other status")
		require.NotEqual(t, core.StatusOverrunning, res.Transitions[0].To)
		require.Less(t, len(res.State.OpenRuns), len(c.State.OpenRuns), "it closed a run")
	}
}

func checkNextEvalAt(t *testing.T, c *core.Check) {
	next := c.State.NextEvalAt
	if next.IsZero() {
		return
	}
	before := status.Evaluate(c, next.Add(-time.Nanosecond))
	require.Empty(t, before.Transitions, "a transition before NextEvalAt %v", next)
	require.Equal(t, next, before.State.NextEvalAt)
	at := status.Evaluate(c, next)
	require.NotEmpty(t, at.Transitions, "no transition at NextEvalAt %v in %+v", next, c.State)
}

func BenchmarkApply(b *testing.B) {
	for _, bc := range []struct {
		name  string
		check core.Check
	}{
		{"period", periodCheck()},
		{"cron", cronCheck("0 3 * * *", "Europe/Berlin")()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := bc.check
			start := &core.Signal{Kind: core.SignalStart, RunID: "r"}
			success := &core.Signal{Kind: core.SignalSuccess, RunID: "r"}
			now := t0
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Hour)
				start.OccurredAt, success.OccurredAt = now, now.Add(time.Minute)
				c.State = status.Apply(&c, start, now).State
				c.State = status.Apply(&c, success, now.Add(time.Minute)).State
			}
		})
	}
}

// FuzzParseCron: any expression and zone either parse or are refused with
// an EINVALID error and a hint; what parses has a next run strictly after
// any time (or none within five years), and the run after that is later
// still.
func FuzzParseCron(f *testing.F) {
	for _, s := range []struct{ expr, tz string }{
		{"30 2 * * *", "Europe/Berlin"}, {"*/15 * * * 1-5", "UTC"}, {"@daily", ""}, {"0 0 30 2 *", ""},
		{"0 0 1,15 * MON", "America/New_York"}, {"@every 1h", ""}, {"CRON_TZ=UTC 0 * * * *", ""},
		{"0 0 * * *", "Local"}, {"59 23 31 12 ?", "Pacific/Chatham"}, {"0 2 * * 0", "Australia/Lord_Howe"},
	} {
		f.Add(s.expr, s.tz, int64(1711846800))
	}
	f.Fuzz(func(t *testing.T, expr, tz string, at int64) {
		c, err := status.ParseCron(expr, tz)
		if err != nil {
			require.Equal(t, core.EINVALID, core.ErrorCode(err), "%v", err)
			require.NotEmpty(t, core.ErrorHint(err), "%v", err)
			return
		}
		from := time.Unix(at%(1<<34), 0) // up to the year 2514
		next := c.Next(from)
		if next.IsZero() {
			return
		}
		require.True(t, next.After(from), "%q in %q: next %v after %v", expr, tz, next, from)
		require.LessOrEqual(t, next.Sub(from), 5*366*24*time.Hour+24*time.Hour, "within five years")
		then := c.Next(next)
		require.True(t, then.IsZero() || then.After(next), "%q in %q: %v then %v", expr, tz, next, then)
	})
}
