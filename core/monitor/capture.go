package monitor

import (
	"fmt"
	"io"
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
// ring, so output reaches the user without added latency.
type tee struct {
	w io.Writer
	r *Ring
}

func (t tee) Write(p []byte) (int, error) {
	if t.w == nil {
		return t.r.Write(p)
	}
	n, err := t.w.Write(p)
	_, _ = t.r.Write(p)
	return n, err
}
