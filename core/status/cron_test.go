package status_test

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

func utc(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

// In 2024 New York springs forward on March 10 (02:00 EST → 03:00 EDT, 07:00
// UTC) and falls back on November 3 (02:00 EDT → 01:00 EST, 06:00 UTC);
// Berlin on March 31 (02:00 CET → 03:00 CEST, 01:00 UTC) and October 27
// (03:00 CEST → 02:00 CET, 01:00 UTC).
func TestCronNext(t *testing.T) {
	const ny, berlin = "America/New_York", "Europe/Berlin"
	tests := []struct {
		name     string
		expr, tz string
		from     time.Time
		want     time.Time // zero: none within five years
		wantWall string    // want in the cron's zone, "2006-01-02 15:04 MST"
	}{
		{"NY gap time is due when the gap ends", "30 2 * * *", ny, utc(2024, 3, 9, 8, 0), utc(2024, 3, 10, 7, 0), "2024-03-10 03:00 EDT"},
		{"NY after the gap day", "30 2 * * *", ny, utc(2024, 3, 10, 7, 0), utc(2024, 3, 11, 6, 30), "2024-03-11 02:30 EDT"},
		{"NY gap start itself", "0 2 * * *", ny, utc(2024, 3, 10, 5, 0), utc(2024, 3, 10, 7, 0), "2024-03-10 03:00 EDT"},
		{"NY 03:00 on the gap day once", "0 3 * * *", ny, utc(2024, 3, 10, 5, 0), utc(2024, 3, 10, 7, 0), "2024-03-10 03:00 EDT"},
		{"Berlin gap time is due when the gap ends", "30 2 * * *", berlin, utc(2024, 3, 30, 12, 0), utc(2024, 3, 31, 1, 0), "2024-03-31 03:00 CEST"},
		{"Berlin after the gap day", "30 2 * * *", berlin, utc(2024, 3, 31, 1, 0), utc(2024, 4, 1, 0, 30), "2024-04-01 02:30 CEST"},
		{"NY repeated time: first occurrence", "30 1 * * *", ny, utc(2024, 11, 2, 12, 0), utc(2024, 11, 3, 5, 30), "2024-11-03 01:30 EDT"},
		{"NY repeated time: not again an hour later", "30 1 * * *", ny, utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30), "2024-11-04 01:30 EST"},
		{"NY repeated time: from inside the second pass", "30 1 * * *", ny, utc(2024, 11, 3, 6, 0), utc(2024, 11, 4, 6, 30), "2024-11-04 01:30 EST"},
		{"Berlin repeated time: first occurrence", "30 2 * * *", berlin, utc(2024, 10, 26, 12, 0), utc(2024, 10, 27, 0, 30), "2024-10-27 02:30 CEST"},
		{"Berlin repeated time: once", "30 2 * * *", berlin, utc(2024, 10, 27, 0, 30), utc(2024, 10, 28, 1, 30), "2024-10-28 02:30 CET"},
		{"Berlin hourly over the repeated hour", "0 * * * *", berlin, utc(2024, 10, 27, 0, 0), utc(2024, 10, 27, 2, 0), "2024-10-27 03:00 CET"},
		{"wildcard hour follows the new clock over a gap", "30 * * * *", ny, utc(2024, 3, 10, 6, 30), utc(2024, 3, 10, 7, 30), "2024-03-10 03:30 EDT"},
		{"wildcard minute skips gap times", "*/30 2 * * *", ny, utc(2024, 3, 10, 5, 0), utc(2024, 3, 11, 6, 0), "2024-03-11 02:00 EDT"},
		{"@hourly over a gap", "@hourly", berlin, utc(2024, 3, 31, 0, 30), utc(2024, 3, 31, 1, 0), "2024-03-31 03:00 CEST"},
		{"midnight inside a gap", "0 0 * * *", "America/Santiago", utc(2024, 9, 7, 12, 0), utc(2024, 9, 8, 4, 0), "2024-09-08 01:00 -03"},
		{"strictly after", "0 3 * * *", "", utc(2025, 1, 6, 3, 0), utc(2025, 1, 7, 3, 0), "2025-01-07 03:00 UTC"},
		{"seconds count", "0 3 * * *", "", utc(2025, 1, 6, 3, 0).Add(-time.Second / 2), utc(2025, 1, 6, 3, 0), "2025-01-06 03:00 UTC"},
		{"dom or dow when both restricted", "0 0 13 * 5", "", utc(2024, 9, 1, 0, 0), utc(2024, 9, 6, 0, 0), "2024-09-06 00:00 UTC"},
		{"dom or dow: the 13th", "0 0 13 * 5", "", utc(2024, 9, 7, 0, 0), utc(2024, 9, 13, 0, 0), "2024-09-13 00:00 UTC"},
		{"dow only when dom is a star", "0 0 * * 1", "", utc(2024, 9, 1, 0, 0), utc(2024, 9, 2, 0, 0), "2024-09-02 00:00 UTC"},
		{"@daily", "@daily", "", utc(2025, 1, 6, 3, 0), utc(2025, 1, 7, 0, 0), "2025-01-07 00:00 UTC"},
		{"month names", "0 12 1 jun *", "", utc(2025, 1, 6, 3, 0), utc(2025, 6, 1, 12, 0), "2025-06-01 12:00 UTC"},
		{"February 29 within five years", "0 0 29 2 *", "", utc(2025, 3, 1, 0, 0), utc(2028, 2, 29, 0, 0), "2028-02-29 00:00 UTC"},
		{"never: gives up", "0 0 30 2 *", "", utc(2025, 1, 1, 0, 0), time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := status.ParseCron(tt.expr, tt.tz)
			require.NoError(t, err)
			got := c.Next(tt.from)
			if tt.want.IsZero() {
				assert.True(t, got.IsZero(), "got %v", got)
				return
			}
			assert.True(t, tt.want.Equal(got), "want %v, got %v", tt.want, got.UTC())
			assert.Equal(t, tt.wantWall, got.Format("2006-01-02 15:04 MST"))
		})
	}
}

// TestCronNextMatchesRobfig checks Next against robfig/cron away from DST
// changes, where the two must agree.
func TestCronNextMatchesRobfig(t *testing.T) {
	tests := []struct{ expr, tz string }{
		{"* * * * *", ""},
		{"*/7 * * * *", ""},
		{"0 3 * * *", ""},
		{"15 12 * * 1-5", "Europe/Berlin"},
		{"0 9 1,15 * *", "America/New_York"},
		{"30 18 * 2-11 sun", "Europe/Berlin"},
		{"0 0 1 1 *", "Asia/Tokyo"},
		{"@weekly", "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.expr+" "+tt.tz, func(t *testing.T) {
			ours, err := status.ParseCron(tt.expr, tt.tz)
			require.NoError(t, err)
			s, err := cron.ParseStandard(tt.expr)
			require.NoError(t, err)
			spec := s.(*cron.SpecSchedule)
			spec.Location = ours.Location()
			from := utc(2024, 1, 1, 0, 0)
			for i := range 500 {
				from = from.Add(time.Duration(i%50)*97*time.Minute + 13*time.Second)
				want := spec.Next(from)
				got := ours.Next(from)
				require.True(t, want.Equal(got), "from %v: robfig %v, ours %v", from, want, got)
			}
		})
	}
}

func TestParseCronErrors(t *testing.T) {
	tests := []struct{ expr, tz, msg, hint string }{
		{"", "", "--cron is empty", "use 5 fields"},
		{"61 * * * *", "", `--cron "61 * * * *": end of range (61) above maximum (59)`, "use 5 fields"},
		{"0 3 * *", "", "expected exactly 5 fields", `e.g. "0 3 * * *"`},
		{"0 0 3 * * *", "", "expected exactly 5 fields", "use 5 fields"},
		{"CRON_TZ=Europe/Berlin 0 3 * * *", "", "time zone prefix", "--tz"},
		{"TZ=UTC 0 3 * * *", "", "time zone prefix", "--tz"},
		{"@every 1h", "", "@every", "--period"},
		{"@sometimes", "", "unrecognized descriptor", "use 5 fields"},
		{"0 3 * * *", "Mars/Olympus", `--tz "Mars/Olympus": unknown time zone`, "IANA zone name such as Europe/Berlin or UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.expr+" "+tt.tz, func(t *testing.T) {
			_, err := status.ParseCron(tt.expr, tt.tz)
			require.Error(t, err)
			assert.Equal(t, core.EINVALID, core.ErrorCode(err))
			assert.Contains(t, core.ErrorMessage(err), tt.msg)
			assert.Contains(t, core.ErrorHint(err), tt.hint)
		})
	}
}

// cronCheck is a daily cron check with an hour of grace.
func cronCheck(expr, tz string) func() core.Check {
	return func() core.Check {
		return core.Check{
			ID:       "c2",
			Schedule: core.Schedule{Kind: core.ScheduleCron, Cron: expr, TZ: tz, Grace: time.Hour},
			State:    status.NewState(utc(2024, 1, 1, 0, 0)),
		}
	}
}

func TestCronCheckDeadlinesAcrossDST(t *testing.T) {
	tests := []struct {
		name       string
		check      func() core.Check
		run, eval  time.Time // a success, then an evaluation
		expected   time.Time
		late, down string // reasons
	}{{
		name:  "Berlin spring forward: the day is 23 hours",
		check: cronCheck("0 3 * * *", "Europe/Berlin"),
		run:   utc(2024, 3, 30, 2, 0), eval: utc(2024, 3, 31, 12, 0),
		expected: utc(2024, 3, 31, 1, 0),
		late:     "no success signal since Mar 30 03:00 CET; expected at 03:00 CEST, grace of 1h ends at 04:00 CEST",
		down:     "no success signal since Mar 30 03:00 CET; expected at 03:00 CEST, grace of 1h ended at 04:00 CEST",
	}, {
		name:  "New York spring forward: a gap time is due at 03:00 EDT",
		check: cronCheck("30 2 * * *", "America/New_York"),
		run:   utc(2024, 3, 9, 7, 30), eval: utc(2024, 3, 10, 12, 0),
		expected: utc(2024, 3, 10, 7, 0),
		late:     "no success signal since Mar 9 02:30 EST; expected at 03:00 EDT, grace of 1h ends at 04:00 EDT",
		down:     "no success signal since Mar 9 02:30 EST; expected at 03:00 EDT, grace of 1h ended at 04:00 EDT",
	}, {
		name:  "New York fall back: the first 01:30 is expected",
		check: cronCheck("30 1 * * *", "America/New_York"),
		run:   utc(2024, 11, 2, 5, 30), eval: utc(2024, 11, 3, 12, 0),
		expected: utc(2024, 11, 3, 5, 30),
		late:     "no success signal since Nov 2 01:30 EDT; expected at 01:30 EDT, grace of 1h ends at 01:30 EST",
		down:     "no success signal since Nov 2 01:30 EDT; expected at 01:30 EDT, grace of 1h ended at 01:30 EST",
	}, {
		name:  "Berlin fall back: the day is 25 hours",
		check: cronCheck("0 12 * * *", "Europe/Berlin"),
		run:   utc(2024, 10, 26, 10, 0), eval: utc(2024, 10, 28, 0, 0),
		expected: utc(2024, 10, 27, 11, 0),
		late:     "no success signal since Oct 26 12:00 CEST; expected at 12:00 CET, grace of 1h ends at 13:00 CET",
		down:     "no success signal since Oct 26 12:00 CEST; expected at 12:00 CET, grace of 1h ended at 13:00 CET",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.check()
			res := status.Apply(&c, &core.Signal{Kind: core.SignalSuccess, OccurredAt: tt.run}, tt.run)
			c.State = res.State
			assert.Equal(t, tt.expected.Add(status.OnTime), c.State.NextEvalAt, "NextEvalAt is OnTime after the expected time")
			exp, dl, ok := status.Expected(&c)
			require.True(t, ok)
			assert.Equal(t, tt.expected, exp)
			assert.Equal(t, tt.expected.Add(time.Hour), dl)

			before := status.Evaluate(&c, tt.expected.Add(status.OnTime-time.Nanosecond))
			assert.Empty(t, before.Transitions, "nothing until OnTime after the expected time")
			res = status.Evaluate(&c, tt.eval)
			require.Len(t, res.Transitions, 2)
			assert.Equal(t, core.Transition{From: core.StatusUp, To: core.StatusLate, At: tt.expected.Add(status.OnTime), Reason: tt.late}, res.Transitions[0])
			assert.Equal(t, core.Transition{From: core.StatusLate, To: core.StatusDown, At: dl, Reason: tt.down}, res.Transitions[1])
		})
	}
}

// TestCronSundaySeven: day-of-week 7 is Sunday, as in cron, alone, in a
// range and in a stepped range.
func TestCronSundaySeven(t *testing.T) {
	sat := utc(2025, 1, 4, 12, 0) // a Saturday
	tests := []struct {
		expr string
		want time.Time // the first run after sat
		same string    // an expression with 0 for Sunday that runs alike
	}{
		{"0 3 * * 7", utc(2025, 1, 5, 3, 0), "0 3 * * 0"},
		{"0 3 * * 5-7", utc(2025, 1, 5, 3, 0), "0 3 * * 0,5,6"},
		{"0 3 * * 1-7/2", utc(2025, 1, 5, 3, 0), "0 3 * * 0,1,3,5"},
		{"0 3 * * 2-7/2", utc(2025, 1, 7, 3, 0), "0 3 * * 2,4,6"},
		{"0 3 * * 7,3", utc(2025, 1, 5, 3, 0), "0 3 * * 0,3"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := status.ParseCron(tt.expr, "")
			require.NoError(t, err)
			assert.Equal(t, tt.expr, c.String(), "shown as written")
			assert.Equal(t, tt.want, c.Next(sat))
			same, err := status.ParseCron(tt.same, "")
			require.NoError(t, err)
			from := sat
			for range 30 {
				require.Equal(t, same.Next(from), c.Next(from), "from %v", from)
				from = c.Next(from)
			}
		})
	}
	_, err := status.ParseCron("0 3 * * 8", "")
	assert.Error(t, err, "8 is no day")
}

// TestCronEarlyStart: a start a moment before its cron time (the job's
// clock a little ahead of the server's) is that time's run: the next run
// is expected the day after, not at once, day after day.
func TestCronEarlyStart(t *testing.T) {
	c := cronCheck("0 3 * * *", "")()
	var all []core.Transition
	for day := range 3 {
		start := utc(2025, 1, 6+day, 3, 0).Add(-50 * time.Millisecond)
		for _, sig := range []*core.Signal{
			{Kind: core.SignalStart, RunID: "r", OccurredAt: start},
			{Kind: core.SignalSuccess, RunID: "r", OccurredAt: start.Add(10 * time.Minute)},
		} {
			res := status.Apply(&c, sig, sig.OccurredAt)
			c.State = res.State
			all = append(all, res.Transitions...)
		}
		res := status.Evaluate(&c, utc(2025, 1, 6+day, 4, 30))
		c.State = res.State
		all = append(all, res.Transitions...)
		exp, _, ok := status.Expected(&c)
		require.True(t, ok)
		assert.Equal(t, utc(2025, 1, 7+day, 3, 0), exp, "day %d: the next run is tomorrow's", day)
	}
	require.Len(t, all, 1, "only new→up: %v", all)
	assert.Equal(t, core.StatusUp, c.State.Status)

	// A check resumed just before a cron time expects that time's run.
	c = cronCheck("0 3 * * *", "")()
	c.State = status.Apply(&c, &core.Signal{Kind: core.SignalSuccess, OccurredAt: utc(2025, 1, 5, 3, 0)}, utc(2025, 1, 5, 3, 0)).State
	c.State = status.Pause(&c, utc(2025, 1, 5, 4, 0)).State
	c.State = status.Resume(&c, utc(2025, 1, 6, 2, 59).Add(30*time.Second)).State
	exp, _, ok := status.Expected(&c)
	require.True(t, ok)
	assert.Equal(t, utc(2025, 1, 6, 3, 0), exp)

	// Every minute: a run that started on time for 03:00 does not stand
	// for 03:01, though it started less than OnTime before it.
	c = cronCheck("* * * * *", "")()
	on := utc(2025, 1, 6, 3, 0).Add(300 * time.Millisecond)
	c.State = status.Apply(&c, &core.Signal{Kind: core.SignalStart, RunID: "r", OccurredAt: on}, on).State
	done := on.Add(time.Second)
	c.State = status.Apply(&c, &core.Signal{Kind: core.SignalSuccess, RunID: "r", OccurredAt: done}, done).State
	exp, _, _ = status.Expected(&c)
	assert.Equal(t, utc(2025, 1, 6, 3, 1), exp)
}

// TestOnTimeSlack: a run that starts a moment after its expected time
// (cron started it, its signal took a while) leaves no late on the
// timeline; one later than OnTime does.
func TestOnTimeSlack(t *testing.T) {
	c := cronCheck("0 * * * *", "")()
	c.Schedule.Grace = 5 * time.Minute
	var all []core.Transition
	for h := range 3 {
		at := utc(2025, 1, 6, 3+h, 0)
		// The evaluation loop runs at the expected time, just before the
		// job's start arrives.
		res := status.Evaluate(&c, at)
		c.State = res.State
		all = append(all, res.Transitions...)
		for _, sig := range []*core.Signal{
			{Kind: core.SignalStart, OccurredAt: at.Add(300 * time.Millisecond)},
			{Kind: core.SignalSuccess, OccurredAt: at.Add(2 * time.Minute)},
		} {
			res := status.Apply(&c, sig, sig.OccurredAt)
			c.State = res.State
			all = append(all, res.Transitions...)
		}
	}
	require.Len(t, all, 1, "only new→up: %v", all)

	res := status.Evaluate(&c, utc(2025, 1, 6, 6, 1))
	require.Len(t, res.Transitions, 1)
	assert.Equal(t, core.Transition{From: core.StatusUp, To: core.StatusLate, At: utc(2025, 1, 6, 6, 1),
		Reason: "the last run started at 05:00 UTC and succeeded at 05:02 UTC; expected at 06:00 UTC, grace of 5m ends at 06:05 UTC"}, res.Transitions[0])
}

// TestCronLongJobWithoutStart: a job that sends only its finish, late in
// its interval, is not taken for the next time's run: a missed run still
// goes Missing.
func TestCronLongJobWithoutStart(t *testing.T) {
	c := cronCheck("*/5 * * * *", "")()
	c.Schedule.Grace = 5 * time.Minute
	var all []core.Transition
	apply := func(res status.Result) {
		c.State = res.State
		all = append(all, res.Transitions...)
	}
	for _, slot := range []int{0, 5, 15} { // the 03:10 run never happens
		done := utc(2025, 1, 6, 3, slot).Add(4*time.Minute + 30*time.Second)
		apply(status.Evaluate(&c, done))
		apply(status.Apply(&c, &core.Signal{Kind: core.SignalSuccess, OccurredAt: done}, done))
	}
	var to []core.Status
	for _, x := range all {
		to = append(to, x.To)
	}
	assert.Contains(t, to, core.StatusDown, "the missed 03:10 run: %v", all)
}
