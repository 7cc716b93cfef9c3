package status

import (
	"strconv"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/robfig/cron/v3"
)

// starBit is robfig/cron's mark for a field written as "*"; the package
// does not export it.
const starBit = 1 << 63

// cronSearchYears is how far ahead Next looks before it gives up, as ISC
// cron and robfig/cron do.
const cronSearchYears = 5

// cronHint is the hint given for an expression that does not parse.
const cronHint = `use 5 fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *"`

// Cron is a parsed cron expression in a time zone. Its Next follows ISC
// cron across daylight-saving changes, which robfig/cron's own Next does
// not: see Next.
type Cron struct {
	expr string
	spec *cron.SpecSchedule
	loc  *time.Location

	// domStar and dowStar say the day fields were written with '*': only
	// when neither is does a day match either field (OR), as in ISC cron.
	domStar, dowStar bool
	// wild says the minute or hour field was written with '*'. ISC cron
	// runs such jobs by the new wall clock, so it skips their times inside
	// a spring-forward gap instead of catching them up after it.
	wild bool
}

// ParseCron parses a standard 5-field cron expression (or a descriptor
// such as @daily or @hourly) to be read in the IANA time zone tz ("" means
// UTC). Errors are *core.Error with code core.EINVALID and a hint. The zone
// is a separate setting, so CRON_TZ= and TZ= prefixes are refused, and so
// is @every, which is a period, not a calendar.
func ParseCron(expr, tz string) (*Cron, error) {
	expr = strings.TrimSpace(expr)
	switch {
	case expr == "":
		return nil, core.Errorf(core.EINVALID, "--cron is empty").WithHint(cronHint)
	case strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ="):
		return nil, core.Errorf(core.EINVALID, "--cron %q: a time zone prefix is not allowed in the expression", expr).
			WithHint("remove the prefix and pass the zone with --tz, e.g. --tz Europe/Berlin")
	case strings.HasPrefix(expr, "@every"):
		return nil, core.Errorf(core.EINVALID, "--cron %q: @every is not a calendar schedule", expr).
			WithHint("use --period for a fixed interval, e.g. --period 1h")
	}
	loc, err := loadZone(tz)
	if err != nil {
		return nil, err
	}
	parsed := expr
	if f := strings.Fields(expr); len(f) == 5 {
		f[4] = sundaySeven(f[4])
		parsed = strings.Join(f, " ")
	}
	s, err := cron.ParseStandard(parsed)
	if err != nil {
		return nil, core.Errorf(core.EINVALID, "--cron %q: %v", expr, err).WithHint(cronHint)
	}
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, core.Errorf(core.EINVALID, "--cron %q: not a calendar schedule", expr).WithHint(cronHint)
	}
	spec.Location = loc
	c := &Cron{expr: expr, spec: spec, loc: loc}
	if f := strings.Fields(expr); len(f) == 5 {
		// ISC cron decides by how the field is written: "*/15" counts as a
		// star, which robfig's starBit does not record.
		c.wild = starred(f[0]) || starred(f[1])
		c.domStar, c.dowStar = starred(f[2]), starred(f[4])
	} else {
		c.wild = spec.Minute&starBit != 0 || spec.Hour&starBit != 0
		c.domStar, c.dowStar = spec.Dom&starBit != 0, spec.Dow&starBit != 0
	}
	return c, nil
}

// sundaySeven rewrites day-of-week 7, which cron reads as Sunday like 0,
// to 0, the only Sunday robfig/cron accepts: "7" and "7/n" become "0",
// and a range "a-7[/n]" becomes "a-6[/n]" plus "0" when the range's steps
// reach 7. Anything else is left for the parser to judge.
func sundaySeven(field string) string {
	var out []string
	for _, item := range strings.Split(field, ",") {
		rng, step, stepped := strings.Cut(item, "/")
		lo, hi, ranged := strings.Cut(rng, "-")
		a, errLo := strconv.Atoi(lo)
		n, errStep := 1, error(nil)
		if stepped {
			n, errStep = strconv.Atoi(step)
		}
		switch {
		case !ranged && lo == "7":
			out = append(out, "0")
		case ranged && hi == "7" && errLo == nil && errStep == nil && a >= 0 && a <= 7 && n > 0:
			if a <= 6 {
				r := lo + "-6"
				if stepped {
					r += "/" + step
				}
				out = append(out, r)
			}
			if (7-a)%n == 0 {
				out = append(out, "0")
			}
		default:
			out = append(out, item)
		}
	}
	return strings.Join(out, ",")
}

func starred(field string) bool {
	return strings.HasPrefix(field, "*") || strings.HasPrefix(field, "?")
}

// loadZone loads an IANA zone; "" is UTC.
func loadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, core.Errorf(core.EINVALID, "--tz %q: unknown time zone", tz).
			WithHint("use an IANA zone name such as Europe/Berlin or UTC")
	}
	return loc, nil
}

// String returns the expression as parsed.
func (c *Cron) String() string { return c.expr }

// Location returns the zone the expression is read in.
func (c *Cron) Location() *time.Location { return c.loc }

// Next returns the first scheduled instant strictly after t, in the cron's
// zone, or the zero time when there is none within five years.
//
// It walks wall-clock times, as ISC cron does, so that daylight-saving
// changes behave like a real crontab: a time inside a spring-forward gap
// (02:30 when clocks jump from 02:00 to 03:00) is due at the first instant
// after the gap (03:00), and a time repeated when clocks go back is due
// once, at its first occurrence. Expressions with '*' in the minute or hour
// field follow the new clock instead and skip times inside the gap.
func (c *Cron) Next(t time.Time) time.Time {
	lt := t.In(c.loc)
	// Days are civil dates, walked in UTC where every day has 24 hours.
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	end := day.AddDate(cronSearchYears, 0, 0)
	// Times on t's own day before t's wall hour are all before t: the only
	// time moved forward is a gap time, and only to the gap's end.
	fromHour := lt.Hour()
	for !day.After(end) {
		if c.spec.Month&(1<<uint(day.Month())) == 0 {
			day = time.Date(day.Year(), day.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			fromHour = 0
			continue
		}
		if c.dayMatches(day) {
			if at, ok := c.nextOnDay(day, fromHour, t); ok {
				return at
			}
		}
		day = day.AddDate(0, 0, 1)
		fromHour = 0
	}
	return time.Time{}
}

// dayMatches reports whether the civil date day matches the day fields.
func (c *Cron) dayMatches(day time.Time) bool {
	dom := c.spec.Dom&(1<<uint(day.Day())) != 0
	dow := c.spec.Dow&(1<<uint(day.Weekday())) != 0
	if c.domStar || c.dowStar {
		return dom && dow
	}
	return dom || dow
}

// nextOnDay returns the first scheduled instant after t on the civil date
// day, looking at wall hours from fromHour on. Wall times are visited in
// order and resolve to non-decreasing instants, so the first one after t
// is the earliest.
func (c *Cron) nextOnDay(day time.Time, fromHour int, t time.Time) (time.Time, bool) {
	for h := fromHour; h < 24; h++ {
		if c.spec.Hour&(1<<uint(h)) == 0 {
			continue
		}
		for m := 0; m < 60; m++ {
			if c.spec.Minute&(1<<uint(m)) == 0 {
				continue
			}
			at, exact := resolveWall(day.Year(), day.Month(), day.Day(), h, m, c.loc)
			if !exact && c.wild {
				continue
			}
			if at.After(t) {
				return at, true
			}
		}
	}
	return time.Time{}, false
}

// resolveWall returns the instant at which the wall clock in loc shows the
// given time: the first of the two when the clock is set back over it, or,
// with exact false, the end of the gap when the clock jumps over it.
// time.Date leaves both cases unspecified, hence the explicit offsets.
func resolveWall(y int, mo time.Month, d, h, mi int, loc *time.Location) (time.Time, bool) {
	naive := time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
	// The offsets in force a day either side cover any single change.
	_, before := naive.Add(-24 * time.Hour).In(loc).Zone()
	_, after := naive.Add(24 * time.Hour).In(loc).Zone()
	var first time.Time
	for _, off := range [2]int{before, after} {
		u := naive.Add(-time.Duration(off) * time.Second)
		if _, o := u.In(loc).Zone(); o == off && (first.IsZero() || u.Before(first)) {
			first = u
		}
	}
	if !first.IsZero() {
		return first.In(loc), true
	}
	// In a gap: read with the later (larger) offset, the wall time falls
	// just before the change, so that zone period ends where the gap does.
	u := naive.Add(-time.Duration(max(before, after)) * time.Second).In(loc)
	if _, end := u.ZoneBounds(); !end.IsZero() {
		return end.In(loc), false
	}
	return u, false
}
