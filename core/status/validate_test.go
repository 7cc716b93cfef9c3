package status_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

func TestValidateSchedule(t *testing.T) {
	const year = 365 * 24 * time.Hour
	period := func(p, grace time.Duration) core.Schedule {
		return core.Schedule{Kind: core.SchedulePeriod, Period: p, Grace: grace}
	}
	cronSched := func(expr, tz string) core.Schedule {
		return core.Schedule{Kind: core.ScheduleCron, Cron: expr, TZ: tz, Grace: time.Hour}
	}
	tests := []struct {
		name       string
		s          core.Schedule
		maxRuntime time.Duration
		msg, hint  string // empty: valid
	}{
		{name: "period", s: period(time.Hour, 10*time.Minute)},
		{name: "shortest period, no grace", s: period(30*time.Second, 0)},
		{name: "longest period and grace", s: period(year, year), maxRuntime: year},
		{name: "cron in a zone", s: cronSched("0 3 * * *", "Europe/Berlin"), maxRuntime: 2 * time.Hour},
		{name: "cron without zone", s: cronSched("*/15 9-17 * * mon-fri", "")},
		{name: "cron descriptor", s: cronSched("@daily", "UTC")},
		{name: "cron on February 29", s: cronSched("0 0 29 2 *", "")},
		{name: "period too short", s: period(10*time.Second, 0),
			msg: "period must be between 30s and 365 days, got 10s", hint: "--period"},
		{name: "period too long", s: period(year+time.Hour, 0),
			msg: "period must be between 30s and 365 days, got 365d 1h", hint: "--period"},
		{name: "negative grace", s: period(time.Hour, -time.Minute),
			msg: "grace must be between 0s and 365 days, got -1m", hint: "--grace"},
		{name: "grace too long", s: period(time.Hour, year+time.Second),
			msg: "grace must be between 0s and 365 days", hint: "--grace"},
		{name: "negative max runtime", s: period(time.Hour, 0), maxRuntime: -time.Second,
			msg: "max runtime must be between 0s and 365 days, got -1s", hint: "--max-runtime"},
		{name: "max runtime too long", s: period(time.Hour, 0), maxRuntime: 2 * year,
			msg: "max runtime must be between 0s and 365 days, got 730d", hint: "--max-runtime"},
		{name: "bad cron", s: cronSched("0 25 * * *", ""),
			msg:  `--cron "0 25 * * *": end of range (25) above maximum (23)`,
			hint: `use 5 fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *"`},
		{name: "cron with seconds", s: cronSched("0 0 3 * * *", ""),
			msg: "expected exactly 5 fields, found 6", hint: "use 5 fields"},
		{name: "cron zone prefix", s: cronSched("CRON_TZ=UTC 0 3 * * *", ""),
			msg: "time zone prefix", hint: "--tz"},
		{name: "unknown zone", s: cronSched("0 3 * * *", "Europe/Atlantis"),
			msg: `--tz "Europe/Atlantis": unknown time zone`, hint: "use an IANA zone name such as Europe/Berlin or UTC"},
		{name: "cron that never matches", s: cronSched("0 0 31 4 *", ""),
			msg: "never matches", hint: "use 5 fields"},
		{name: "no kind", s: core.Schedule{Period: time.Hour},
			msg: `schedule kind must be "period" or "cron", got ""`, hint: "--period or --cron"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := status.ValidateSchedule(tt.s, tt.maxRuntime)
			if tt.msg == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var e *core.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, core.EINVALID, e.Code)
			assert.Contains(t, e.Message, tt.msg)
			assert.Contains(t, e.Hint, tt.hint)
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{250 * time.Millisecond, "250ms"},
		{45 * time.Second, "45s"},
		{5 * time.Minute, "5m"},
		{5*time.Minute + 30*time.Second, "5m 30s"},
		{time.Hour, "1h"},
		{time.Hour + 5*time.Minute, "1h 5m"},
		{time.Hour + 5*time.Minute + 59*time.Second, "1h 5m"},
		{time.Hour + 30*time.Second, "1h"},
		{51 * time.Hour, "2d 3h"},
		{51*time.Hour + 10*time.Minute, "2d 3h"},
		{365 * 24 * time.Hour, "365d"},
		{-90 * time.Second, "-1m 30s"},
		{time.Duration(-1 << 63), "-106751d 23h"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, status.FormatDuration(tt.d))
		})
	}
}
