package target

import (
	"fmt"
	"time"
)

// MaxOutput is the most output an Event carries, in bytes: the tail of the
// job's output. The SDK trims longer output to its last MaxOutput bytes.
const MaxOutput = 4096

// EventType is what happened to a run. Its values are the event_type strings
// of the webhook payload.
type EventType string

// The event types.
const (
	Start   EventType = "start"
	Success EventType = "success"
	Fail    EventType = "fail"
)

// Valid reports whether t is one of Start, Success and Fail.
func (t EventType) Valid() bool {
	return t == Start || t == Success || t == Fail
}

// Event is one signal of a monitored run, with exactly the fields of the
// webhook payload in the external-monitors document plus the run id.
type Event struct {
	// CheckIdentifier is the slug or public_id pakyas was invoked with: the
	// key of the check's [checks."<key>"] table.
	CheckIdentifier string
	// Type is start, success or fail.
	Type EventType
	// ExitCode is the job's exit code; nil for start events and for failures
	// without a code (`pakyas ping --fail`).
	ExitCode *int
	// Duration is how long the run took; zero for start events.
	Duration time.Duration
	// Timestamp is when the event happened.
	Timestamp time.Time
	// Host is the name of the machine the job ran on.
	Host string
	// Output is the tail of the job's output (stderr by default), at most
	// MaxOutput bytes. It holds raw bytes and need not be valid UTF-8.
	Output string
	// RunID identifies the run; a start event and its finish share it.
	RunID string
}

// validate reports what makes e unsendable.
func (e Event) validate() error {
	if !e.Type.Valid() {
		return fmt.Errorf("event type %q: must be %q, %q or %q", e.Type, Start, Success, Fail)
	}
	return nil
}

// tail returns the last MaxOutput bytes of s.
func tail(s string) string {
	if len(s) <= MaxOutput {
		return s
	}
	return s[len(s)-MaxOutput:]
}
