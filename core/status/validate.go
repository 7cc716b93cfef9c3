package status

import (
	"time"

	"github.com/pakyas/pakyas/core"
)

// MaxRuntimeLimit is the longest max runtime a check may have.
const MaxRuntimeLimit = 365 * 24 * time.Hour

// ValidateSchedule checks a schedule and max runtime before they are saved.
// It returns nil or a *core.Error with code core.EINVALID whose message
// says what is wrong and whose hint names the flag to fix (--period,
// --cron, --tz, --grace, --max-runtime).
func ValidateSchedule(s core.Schedule, maxRuntime time.Duration) error {
	switch s.Kind {
	case core.SchedulePeriod:
		if s.Period < core.MinPeriod || s.Period > core.MaxPeriod {
			return core.Errorf(core.EINVALID, "period must be between %s and 365 days, got %s",
				FormatDuration(core.MinPeriod), FormatDuration(s.Period)).
				WithHint("pass --period with a duration from 30s to 365 days, e.g. --period 1h")
		}
	case core.ScheduleCron:
		c, err := ParseCron(s.Cron, s.TZ)
		if err != nil {
			return err
		}
		// Next looks five years ahead, which covers every calendar date
		// (February 29 included) from any instant, so a fixed one will do.
		if c.Next(time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
			return core.Errorf(core.EINVALID, "--cron %q never matches a date (such as February 30)", s.Cron).
				WithHint(cronHint)
		}
	default:
		return core.Errorf(core.EINVALID, "schedule kind must be %q or %q, got %q",
			core.SchedulePeriod, core.ScheduleCron, s.Kind).
			WithHint("pass either --period or --cron")
	}
	if s.Grace < core.MinGrace || s.Grace > core.MaxGrace {
		return core.Errorf(core.EINVALID, "grace must be between 0s and 365 days, got %s", FormatDuration(s.Grace)).
			WithHint("pass --grace with a duration such as --grace 15m; 0 means no grace")
	}
	if maxRuntime < 0 || maxRuntime > MaxRuntimeLimit {
		return core.Errorf(core.EINVALID, "max runtime must be between 0s and 365 days, got %s", FormatDuration(maxRuntime)).
			WithHint("pass --max-runtime with a duration such as --max-runtime 2h; 0 means equal to the grace")
	}
	return nil
}
