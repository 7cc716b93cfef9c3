package monitor

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Cause returns err without the *url.Error wrapping that repeats the
// request's method and URL: "dial tcp ...: connection refused".
func Cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// MigrationWarning is the line printed, exactly as external-monitors.md
// shows it (no "[pakyas]" prefix, so log filters written for the document
// match), when Pakyas did not get a signal but an external target did and
// migration mode let the job's exit code stand.
func MigrationWarning(err error) string {
	return fmt.Sprintf("Warning: Pakyas ping failed (%v), but external monitor succeeded (migration mode)", Cause(err))
}

func (r *runner) printf(format string, args ...any) {
	fmt.Fprintf(r.cfg.Log, "[pakyas] "+format+"\n", args...)
}

// info prints a line -q silences.
func (r *runner) info(format string, args ...any) {
	if !r.cfg.Quiet {
		r.printf(format, args...)
	}
}

// warn prints a warning that does not change the exit code; -q silences
// it.
func (r *runner) warn(format string, args ...any) { r.info(format, args...) }

// alert prints a line that explains the exit code; never silenced.
func (r *runner) alert(format string, args ...any) { r.printf(format, args...) }

func (r *runner) verbosef(format string, args ...any) {
	if r.cfg.Verbose {
		r.printf(format, args...)
	}
}

// seconds formats a job's duration as signal-model.md shows it: 12.4s.
func seconds(d time.Duration) string {
	if d < time.Minute {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	return d.Round(100 * time.Millisecond).String()
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
