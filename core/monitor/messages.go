package monitor

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/spool"
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

// MigrationWarning is the warning, worded exactly as external-monitors.md
// shows it (log filters written for the document match), printed after
// "[pakyas] " like every line of pakyas's, when Pakyas did not get a
// signal but an external target did and migration mode let the job's exit
// code stand.
func MigrationWarning(err error) string {
	// One line: the reason's first, without its hint (said already, or
	// not needed to read the warning).
	why, _, _ := strings.Cut(core.ErrorText(Cause(err)), "\n")
	return fmt.Sprintf("Warning: Pakyas ping failed (%s), but external monitor succeeded (migration mode)", why)
}

// Log prints pakyas's own lines while it reports a job or a signal:
// "[pakyas] ..." status lines, and warnings and errors in the one format
// of every command (core/console). Text from elsewhere (a server's
// message, a check name) is escaped. A nil *Log prints nothing.
type Log struct {
	W io.Writer
	// Quiet silences Info lines and warnings that do not change the exit
	// code; Alert lines and errors are always printed.
	Quiet   bool
	Verbose bool // adds Verbosef lines
}

func (l *Log) printf(format string, args ...any) {
	if l == nil || l.W == nil {
		return
	}
	fmt.Fprintf(l.W, "[pakyas] %s\n", console.Line(fmt.Sprintf(format, args...)))
}

// Info prints a status line that -q silences.
func (l *Log) Info(format string, args ...any) {
	if l != nil && !l.Quiet {
		l.printf(format, args...)
	}
}

// Alert prints a status line that explains the exit code: never silenced.
func (l *Log) Alert(format string, args ...any) { l.printf(format, args...) }

// Verbosef prints a line only with -v.
func (l *Log) Verbosef(format string, args ...any) {
	if l != nil && l.Verbose {
		l.printf(format, args...)
	}
}

// Warn prints a warning that does not change the exit code; -q silences
// it.
func (l *Log) Warn(msg, hint string) {
	if l != nil && l.W != nil && !l.Quiet {
		console.Warn(l.W, msg, hint)
	}
}

// WarnAlways prints a warning that -q does not silence.
func (l *Log) WarnAlways(msg, hint string) {
	if l != nil && l.W != nil {
		console.Warn(l.W, msg, hint)
	}
}

// Error prints err as an error line with its hint: never silenced.
func (l *Log) Error(err error) {
	if l == nil || l.W == nil {
		return
	}
	console.Error(l.W, core.ErrorText(err), core.ErrorHint(err))
}

// Replay says what a replay of the spool did: deliveries (-q silences
// them) and rejections (always).
func (l *Log) Replay(rep spool.Report, err error) {
	if err != nil {
		l.WarnAlways(fmt.Sprintf("spool: %v", err), "")
	}
	if n := len(rep.Delivered); n > 0 {
		l.Info("Delivered %d signal(s) from the spool", n)
	}
	for _, r := range rep.Rejected {
		l.WarnAlways(r.Message()+"; moved to "+filepath.Join(filepath.Dir(r.Path), spool.RejectedDir), "")
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
