package target

import (
	"context"
	"time"
)

// Target delivers Pakyas events to one external service. It is the one
// method a plugin must implement; Describer and Configurer are optional.
//
// Send must honour ctx: the host's deadline (the external timeout) arrives in
// it, and a Send still running when it expires is abandoned. A nil error
// means the service accepted the event; any error means it was not delivered,
// and its text is shown to the user, so say what failed and what to check
// ("healthchecks answered 404 Not Found: check uuid in
// [checks.\"backup-db\".targets.healthchecks]"). Send may be called
// concurrently for different events, and never before a successful Configure
// when the target is a Configurer.
type Target interface {
	Send(ctx context.Context, e Event) (Result, error)
}

// Describer is implemented by targets that describe themselves: their name,
// version and configuration schema. The host validates the user's TOML
// against the schema (with file and line numbers) and the SDK checks the
// tables it receives against it again before Configure, so a Configurer sees
// only known keys of the declared types. A target without a Describer accepts
// no configuration keys at all.
type Describer interface {
	Describe(ctx context.Context) (Info, error)
}

// Configurer is implemented by targets that need configuration. Configure
// receives the target's global table and the check's table, already checked
// against the schema, validates what the schema cannot express (a URL that
// must parse, a UUID) and keeps what Send needs. It returns a *ConfigError
// naming each bad key, or nil to accept the configuration.
//
// Configure may be called more than once; each call replaces the previous
// configuration. The SDK never runs Configure concurrently with Send.
type Configurer interface {
	Configure(ctx context.Context, c Config) error
}

// Info is a target's self-description.
type Info struct {
	// Name is the target's name: the <name> of pakyas-target-<name> and of
	// [targets.<name>].
	Name string
	// Version is the plugin's own version, free-form.
	Version string
	// ProtocolVersion is the plugin protocol version the plugin speaks. The
	// SDK fills it in; a Describer leaves it zero.
	ProtocolVersion int
	// Schema lists the configuration keys the target accepts.
	Schema ConfigSchema
}

// Result describes a delivery. A target returns it with a nil error for an
// event the service accepted; on the host side (*Client).Send also returns
// it, with the plugin's message and latency, alongside a *DeliveryError.
type Result struct {
	// Message is a short outcome for -v output, e.g. "HTTP 200".
	Message string
	// Latency is how long the delivery took. A target may leave it zero: the
	// SDK then measures the whole Send call.
	Latency time.Duration
}
