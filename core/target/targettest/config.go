package targettest

import (
	"io"
	"time"

	"github.com/pakyas/pakyas/core/target"
)

// Config says what to test and with which configurations.
type Config struct {
	// Binary is the path of a built plugin executable, launched as pakyas
	// launches it. Either Binary or Target is set.
	Binary string
	// Target is an implementation tested in-process, over a gRPC connection
	// on 127.0.0.1; the handshake step then only checks the connection.
	Target target.Target
	// Name is the name Describe must return. Empty means the <name> of a
	// Binary called pakyas-target-<name>, or any name for a Target.
	Name string

	// Good is a configuration the target must accept and deliver events
	// with. Point it at something the test controls (a temp file, an
	// httptest server); Endpoint is the way to use the suite's own server.
	Good Tables
	// Endpoint, when set, is called once with the suite's local HTTP
	// endpoint and returns the good configuration (pointing at ep.URL) and a
	// slow one (pointing at ep.HangURL, where no request is ever answered)
	// for the deadline step. It replaces Good. A zero slow configuration
	// means the deadline step uses the good one.
	Endpoint func(ep *Endpoint) (good, slow Tables)
	// FromSchema derives the configurations from the plugin's schema
	// instead, as `pakyas plugin check` does: keys named like URLs or
	// endpoints point at the suite's endpoint, paths at a temp directory,
	// uuid keys get a UUID, other strings a placeholder. Set overrides
	// single keys of it.
	FromSchema bool
	// Set overrides keys of the FromSchema configuration, placed in the
	// table of each key's scope; string values are converted to the
	// field's type.
	Set map[string]string
	// Bad lists configurations the target must refuse, on top of those the
	// suite generates from the schema.
	Bad []Bad
	// Verify, when set, is called after each event the target accepted, to
	// check it arrived (read the file, look at the httptest server).
	Verify func(e target.Event) error

	// Verbose passes the plugin's stderr and go-plugin's log to Stderr
	// (nil: os.Stderr), as pakyas -v does.
	Verbose bool
	Stderr  io.Writer

	// StepTimeout bounds each step; zero means 10 seconds.
	StepTimeout time.Duration
	// Deadline is the deadline of the deadline step's Send; zero means
	// 300 milliseconds.
	Deadline time.Duration
	// SendTimeout bounds each send step's Send; zero means 3 seconds (the
	// steps send to a local endpoint), so a Send that ignores its ctx
	// costs seconds, not minutes.
	SendTimeout time.Duration
}

// Tables is a configuration: the target's global [targets.<name>] table
// and one check's [checks."<key>".targets.<name>] table.
type Tables struct {
	Global map[string]any
	Check  map[string]any
}

func (t Tables) isZero() bool { return t.Global == nil && t.Check == nil }

func (t Tables) config() target.Config {
	return target.Config{Global: t.Global, Check: t.Check}
}

// Bad is a configuration the target must refuse.
type Bad struct {
	// Name says what is wrong with it, e.g. "url is not a URL".
	Name string
	Tables
	// Keys are the keys the refusal must name, each in a FieldError's
	// Path[0]. Empty means any FieldError will do.
	Keys []string
}

func (c Config) stepTimeout() time.Duration {
	if c.StepTimeout > 0 {
		return c.StepTimeout
	}
	return 10 * time.Second
}

func (c Config) sendTimeout() time.Duration {
	if c.SendTimeout > 0 {
		return min(c.SendTimeout, c.stepTimeout())
	}
	return min(3*time.Second, c.stepTimeout())
}

func (c Config) deadline() time.Duration {
	if c.Deadline > 0 {
		return c.Deadline
	}
	return 300 * time.Millisecond
}
