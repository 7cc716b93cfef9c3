package status

import (
	"fmt"
	"math"
	"time"
)

// durationUnits are FormatDuration's units, largest first.
var durationUnits = [...]struct {
	d    time.Duration
	name string
}{
	{24 * time.Hour, "d"},
	{time.Hour, "h"},
	{time.Minute, "m"},
	{time.Second, "s"},
}

// FormatDuration writes d for people: its largest unit and, when not zero,
// the next one, such as "45s", "5m", "1h", "1h 5m" or "2d 3h". The rest is
// dropped (truncated, never rounded up, so "late by" never overstates).
// Durations under a second are written by time.Duration.String.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		if d == math.MinInt64 {
			d++ // -MinInt64 does not fit
		}
		return "-" + FormatDuration(-d)
	}
	if d < time.Second {
		return d.String()
	}
	for i, u := range durationUnits {
		if d < u.d {
			continue
		}
		s := fmt.Sprintf("%d%s", d/u.d, u.name)
		if i+1 < len(durationUnits) {
			next := durationUnits[i+1]
			if n := (d % u.d) / next.d; n > 0 {
				s += fmt.Sprintf(" %d%s", n, next.name)
			}
		}
		return s
	}
	return d.String() // unreachable: d >= 1s matches the last unit
}

// formatClock writes t as a wall-clock time in loc with the zone's
// abbreviation ("03:00 UTC", "03:00 CEST"). The date is added when t is not
// on the same day as ref, the moment the text is about, and the seconds
// when they are not zero.
func formatClock(t, ref time.Time, loc *time.Location) string {
	t = t.In(loc)
	layout := "15:04 MST"
	if t.Second() != 0 {
		layout = "15:04:05 MST"
	}
	ry, rm, rd := ref.In(loc).Date()
	if y, m, d := t.Date(); y != ry || m != rm || d != rd {
		layout = "Jan 2 " + layout
		if y != ry {
			layout = "Jan 2 2006 " + layout[len("Jan 2 "):]
		}
	}
	return t.Format(layout)
}
