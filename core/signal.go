package core

import "time"

// SignalKind is the kind of an execution signal.
type SignalKind string

// Signal kinds. An exit-code ping is a success (code 0) or a failure (any
// other code) with ExitCode set.
const (
	SignalStart   SignalKind = "start"
	SignalSuccess SignalKind = "success"
	SignalFail    SignalKind = "fail"
	SignalLog     SignalKind = "log"
)

// Valid reports whether k is a known signal kind.
func (k SignalKind) Valid() bool {
	switch k {
	case SignalStart, SignalSuccess, SignalFail, SignalLog:
		return true
	}
	return false
}

// MaxBodySize is the most of a ping body that is kept; longer bodies are
// truncated, not refused.
const MaxBodySize = 100_000

// Signal is one ping received for a check.
type Signal struct {
	ID         int64
	CheckID    string
	Kind       SignalKind
	ExitCode   *int          // set for exit-code pings and by the CLI
	RunID      string        // "" when none
	Duration   time.Duration // as reported by the sender; 0 when unknown
	Host       string        // as reported by the sender
	Body       []byte        // job output, not necessarily UTF-8, <= MaxBodySize
	Truncated  bool          // the body was longer and was cut
	OccurredAt time.Time     // when the signal happened (sender's time for delivered-late signals)
	ReceivedAt time.Time     // when the server received it
	Method     string        // HTTP method, "GET", "HEAD", "POST"
	RemoteAddr string
	UserAgent  string
}

// DeliveredLate reports whether the signal reached the server later than it
// happened by more than skew (the CLI's spool replays signals like that).
func (s *Signal) DeliveredLate(skew time.Duration) bool {
	return s.ReceivedAt.Sub(s.OccurredAt) > skew
}
