package core

import (
	"context"
	"time"
)

// Queries are the store's operations. Each one called on a Store runs in a
// transaction of its own; called on the Queries passed to Store.Update, it
// joins that transaction.
//
// Lookups of a single object return an *Error with code ENOTFOUND when there
// is none. Creates fill in nothing: callers set IDs and times. A create that
// breaks a uniqueness rule (a check slug within a project) returns ECONFLICT.
type Queries interface {
	// CreateUser inserts u.
	CreateUser(ctx context.Context, u *User) error
	// User returns the user with the given ID.
	User(ctx context.Context, id string) (*User, error)
	// CountUsers returns the number of users.
	CountUsers(ctx context.Context) (int, error)

	// CreateOrg inserts o.
	CreateOrg(ctx context.Context, o *Org) error
	// AddMember makes userID a member of orgID with role. Adding an
	// existing member again updates the role.
	AddMember(ctx context.Context, orgID, userID, role string) error
	// OrgsForUser returns the organizations userID belongs to, by name.
	OrgsForUser(ctx context.Context, userID string) ([]Org, error)

	// CreateProject inserts p.
	CreateProject(ctx context.Context, p *Project) error
	// Project returns the project with the given ID.
	Project(ctx context.Context, id string) (*Project, error)
	// Projects returns the projects of orgID, by name.
	Projects(ctx context.Context, orgID string) ([]Project, error)
	// ProjectByPingKey returns the project with that ping key.
	ProjectByPingKey(ctx context.Context, key string) (*Project, error)
	// ProjectByBadgeKey returns the project with that badge key.
	ProjectByBadgeKey(ctx context.Context, key string) (*Project, error)
	// SetPingKey sets (or, with "", removes) a project's ping key
	// (ECONFLICT when another project has it; ENOTFOUND without the
	// project).
	SetPingKey(ctx context.Context, projectID, key string) error

	// CreateAPIKey inserts k.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns the key with the given hash, revoked or not.
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// APIKeys returns userID's keys, newest first.
	APIKeys(ctx context.Context, userID string) ([]APIKey, error)
	// RevokeAPIKey marks the key revoked at the given time. Revoking a
	// revoked key changes nothing.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error

	// CreateWebToken inserts a dashboard sign-in link or session.
	CreateWebToken(ctx context.Context, t *WebToken) error
	// WebToken returns the token with the given hash.
	WebToken(ctx context.Context, hash string) (*WebToken, error)
	// UseWebToken marks a token used at now, once: false when it was used
	// before, has expired at now, or does not exist.
	UseWebToken(ctx context.Context, hash string, now time.Time) (bool, error)
	// DeleteWebToken deletes a token (no error when there is none).
	DeleteWebToken(ctx context.Context, hash string) error
	// PruneWebTokens deletes the tokens that expired before before.
	PruneWebTokens(ctx context.Context, before time.Time) (int64, error)

	// CreateCheck inserts c, config and state (ECONFLICT on a duplicate
	// slug in the project or a duplicate public ID).
	CreateCheck(ctx context.Context, c *Check) error
	// Check returns the check with the given ID.
	Check(ctx context.Context, id string) (*Check, error)
	// CheckByPublicID returns the check with the given public ID.
	CheckByPublicID(ctx context.Context, publicID string) (*Check, error)
	// ChecksByPublicID returns the checks with these public IDs (those
	// that exist), ordered by ID. Inside Update on a database that locks
	// rows it locks them, in that order: writers that lock several checks
	// do it through this one method, so they never deadlock each other.
	ChecksByPublicID(ctx context.Context, publicIDs []string) ([]Check, error)
	// Dependents returns the checks whose DependsOn is checkID; inside
	// Update on a database that locks rows it locks them.
	Dependents(ctx context.Context, checkID string) ([]Check, error)
	// CheckBySlug returns the check with the given slug in projectID.
	CheckBySlug(ctx context.Context, projectID, slug string) (*Check, error)
	// Checks returns the checks of projectID, by slug.
	Checks(ctx context.Context, projectID string) ([]Check, error)
	// UpdateCheck saves c's configuration and state (ECONFLICT on a
	// duplicate slug).
	UpdateCheck(ctx context.Context, c *Check) error
	// SaveCheckState saves only c's state; the ingest path calls it once
	// per signal, so it must be cheap.
	SaveCheckState(ctx context.Context, checkID string, s CheckState) error
	// SaveCheckStates saves the states of several checks at once (in
	// fewer statements than one SaveCheckState each); ENOTFOUND when one
	// does not exist. The writers of signals and evaluations use it.
	SaveCheckStates(ctx context.Context, states []CheckStateOf) error
	// DeleteCheck deletes the check, its timeline and its queued alerts.
	DeleteCheck(ctx context.Context, id string) error
	// DueChecks returns up to limit checks whose State.NextEvalAt is set
	// and not after t, earliest first. Inside Update on a database that
	// locks rows it claims them: locks them and skips those another
	// transaction holds.
	DueChecks(ctx context.Context, t time.Time, limit int) ([]Check, error)
	// NextEvalAt returns the earliest State.NextEvalAt of all checks, and
	// false when no check has one.
	NextEvalAt(ctx context.Context) (time.Time, bool, error)
	// CountByStatus returns the number of checks per settled status.
	CountByStatus(ctx context.Context) (map[Status]int, error)

	// AddTimeline inserts e (with e.Signal when e.Kind is EntrySignal) and
	// sets e.ID, and e.Signal.ID to the same value.
	AddTimeline(ctx context.Context, e *TimelineEntry) error
	// AddTimelines inserts entries in order, as AddTimeline does each, in
	// fewer statements.
	AddTimelines(ctx context.Context, entries []*TimelineEntry) error
	// Timeline returns a page of checkID's timeline, newest first (by At,
	// then ID).
	Timeline(ctx context.Context, checkID string, page TimelinePage) ([]TimelineEntry, error)
	// LastTimelineID returns the largest ID of checkID's timeline entries
	// (0 when it has none). IDs only grow, so it changes with every entry
	// added, also one dated before the newest.
	LastTimelineID(ctx context.Context, checkID string) (int64, error)
	// RecentSignals returns, for every check of projectID, its newest
	// perCheck signals of the given kinds, without bodies: the signals of
	// one check together, newest first.
	RecentSignals(ctx context.Context, projectID string, kinds []SignalKind, perCheck int) ([]Signal, error)
	// PruneTimeline deletes signal entries older than before, and signal
	// entries beyond the newest keepPerCheck of each check, and returns how
	// many it deleted. Other entry kinds are kept.
	PruneTimeline(ctx context.Context, before time.Time, keepPerCheck int) (int64, error)

	// CreateChannel inserts ch.
	CreateChannel(ctx context.Context, ch *Channel) error
	// Channel returns the channel with the given ID.
	Channel(ctx context.Context, id string) (*Channel, error)
	// Channels returns orgID's channels, by name.
	Channels(ctx context.Context, orgID string) ([]Channel, error)
	// DeleteChannel deletes the channel and its queued alerts.
	DeleteChannel(ctx context.Context, id string) error

	// EnqueueAlert inserts a into the outbox and sets a.ID.
	EnqueueAlert(ctx context.Context, a *Alert) error
	// DueAlerts returns up to limit pending alerts whose NextAttemptAt is
	// not after t, oldest first: only the oldest pending alert about each
	// check to each channel (alerts about no check, such as channel tests,
	// each stand alone), so alerts are delivered in the order they were
	// decided, and a down channel's backlog never fills a page.
	DueAlerts(ctx context.Context, t time.Time, limit int) ([]Alert, error)
	// NextAlertAt returns the earliest NextAttemptAt of pending alerts,
	// and false when there is none.
	NextAlertAt(ctx context.Context) (time.Time, bool, error)
	// ClaimAlerts leases the alerts DueAlerts would return at now whose
	// lease is free (never taken or ended before now) to token until
	// until, and returns them, oldest first: several servers on one
	// database each deliver different alerts, and the alerts of one that
	// died are taken over once its lease ends.
	ClaimAlerts(ctx context.Context, now, until time.Time, token string, limit int) ([]Alert, error)
	// RenewAlertLease extends token's lease on a pending alert to until
	// (ECONFLICT when token no longer holds it).
	RenewAlertLease(ctx context.Context, id int64, token string, until time.Time) error
	// UpdateAlert saves a's State, Attempts, NextAttemptAt, LastError and
	// DeliveredAt and ends its lease; with a.LeaseToken set, only while
	// that token holds the lease (ECONFLICT otherwise).
	UpdateAlert(ctx context.Context, a *Alert) error
	// PruneAlerts deletes delivered and failed alerts created before
	// before, and returns how many it deleted. Pending alerts are kept
	// whatever their age. (Their outcome stays on the check's timeline.)
	PruneAlerts(ctx context.Context, before time.Time) (int64, error)
}

// Store is where Pakyas keeps its data. Implementations: core/store/sqlite
// (the embedded default) and core/store/postgres; core/store/storetest is
// the conformance suite both pass.
type Store interface {
	Queries

	// Update runs fn in one write transaction and commits it when fn
	// returns nil; otherwise it rolls back and returns fn's error. Writes
	// are serialised. The ingest path batches many signals into one Update
	// (group commit), so its cost is per batch, not per signal. A nil
	// return means the data is durable.
	Update(ctx context.Context, fn func(q Queries) error) error

	// Close releases the store. It is safe to call once all users are done.
	Close() error
}

// ChangeMarker is implemented by the Queries of an Update on a store that
// can tell whether its database changed between two of its transactions
// (SQLite: this process writes through one connection at a time, whose
// changes it counts, and another process's commits show). A caller that keeps what it
// wrote in one Update for the next can so tell whether it is still what
// the database holds.
type ChangeMarker interface {
	// ChangeMark returns a mark of the changes to the database as this
	// transaction sees them so far. When the mark taken at the start of a
	// transaction equals the one taken at the end of an earlier one,
	// nothing changed the database between the two. ok is false when the
	// store cannot know (PostgreSQL: other servers write to it too).
	ChangeMark(ctx context.Context) (mark ChangeMark, ok bool, err error)
}

// ChangeMark is a ChangeMarker's mark: only equality means anything.
type ChangeMark struct {
	Conn    int64 // SQLite: which connection of the write pool (their counters start again on a new one)
	Version int64 // SQLite: PRAGMA data_version, which another connection's commit changes
	Changes int64 // SQLite: total_changes(), the rows this connection changed
}
