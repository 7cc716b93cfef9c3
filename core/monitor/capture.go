package monitor

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pakyas/pakyas/core"
)

// Capture says which of the job's output streams go into the output tail
// sent with the finish signal.
type Capture int

// Captures.
const (
	CaptureStderr Capture = iota // the default, as in healthchecks.io's runitor
	CaptureStdout
	CaptureBoth
	CaptureNone
)

// ParseCapture parses the value of --capture: stderr, stdout or both.
func ParseCapture(s string) (Capture, error) {
	switch s {
	case "stderr", "":
		return CaptureStderr, nil
	case "stdout":
		return CaptureStdout, nil
	case "both":
		return CaptureBoth, nil
	}
	return 0, fmt.Errorf("unknown stream %q: use stderr, stdout or both", s)
}

func (c Capture) String() string {
	switch c {
	case CaptureStderr:
		return "stderr"
	case CaptureStdout:
		return "stdout"
	case CaptureBoth:
		return "both"
	case CaptureNone:
		return "none"
	}
	return fmt.Sprintf("Capture(%d)", int(c))
}

// tee writes to w (the job's real destination) first, then into the
// ring, so output reaches the user without added latency. Once w fails
// (its reader is gone: `pakyas monitor ... 2>&1 | head -1`), tee keeps
// only the ring: the job writes on and its tail is still reported, rather
// than the job's output being cut off or the job stopped.
type tee struct {
	w    io.Writer
	r    *Ring
	lost bool // w failed; written no more
}

func (t *tee) Write(p []byte) (int, error) {
	if t.w != nil && !t.lost {
		if _, err := t.w.Write(p); err != nil {
			t.lost = true
		}
	}
	_, _ = t.r.Write(p)
	return len(p), nil
}

// Output is what a run reports of its output, as the command line gives
// it: --capture, --output-limit and --no-output.
type Output struct {
	Capture    string // stderr, stdout or both; "" stderr
	CaptureSet bool   // --capture was given
	Limit      string // a size: 4096, 16KiB, 64k; "" DefaultOutputLimit
	None       bool   // --no-output
}

// Parse returns the stream to capture and the tail's size, or an error
// that names the flag to fix.
func (o Output) Parse() (Capture, int, error) {
	capture, err := ParseCapture(strings.ToLower(o.Capture))
	if err != nil {
		return 0, 0, fmt.Errorf("--capture: %w", err)
	}
	limit := int64(DefaultOutputLimit)
	if o.Limit != "" {
		if limit, err = ParseSize(o.Limit); err != nil {
			return 0, 0, fmt.Errorf("--output-limit: %w; e.g. --output-limit 4096 or 16KiB", err)
		}
	}
	if limit > core.MaxBodySize {
		return 0, 0, fmt.Errorf("--output-limit %s is more than the server keeps: at most %d bytes", o.Limit, core.MaxBodySize)
	}
	if o.None || limit == 0 {
		if o.CaptureSet && o.None {
			return 0, 0, errors.New("give --capture or --no-output, not both")
		}
		capture = CaptureNone
	}
	return capture, int(limit), nil
}

// ParseSize parses a byte count: 4096, 4k, 4KB, 4KiB (all 1024), 1M, 1MiB.
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		sfx  string
		mult int64
	}{{"kib", 1 << 10}, {"kb", 1 << 10}, {"k", 1 << 10}, {"mib", 1 << 20}, {"mb", 1 << 20}, {"m", 1 << 20}, {"b", 1}} {
		if v, ok := strings.CutSuffix(t, u.sfx); ok {
			t, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}
