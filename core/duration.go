package core

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration as people write it on a command line: a
// Go duration (90m, 1h30m), a number of days (2d), or, when unit is not
// zero, a bare whole number of that unit ("3600" with time.Second). It
// must not be negative.
func ParseDuration(s string, unit time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if unit != 0 {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n <= int64(1<<62)/int64(unit) {
			return time.Duration(n) * unit, nil
		}
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseInt(d, 10, 64); err == nil && n >= 0 && n <= 100*365 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fmt.Errorf("invalid duration %q", s)
}
