package core

import "time"

// EntryKind is the kind of a timeline entry.
type EntryKind string

// Timeline entry kinds.
const (
	EntrySignal     EntryKind = "signal"     // a signal was received (Signal is set)
	EntryTransition EntryKind = "transition" // the status changed (From, To, Reason)
	EntryAlert      EntryKind = "alert"      // an alert attempt and its outcome (Reason)
	EntryNote       EntryKind = "note"       // an explanation, e.g. "ran late by 5m"
)

// TimelineEntry is one line of a check's timeline. Status tells what is
// happening; the timeline tells why.
type TimelineEntry struct {
	ID      int64
	CheckID string
	At      time.Time
	Kind    EntryKind
	Signal  *Signal // EntrySignal only
	From    Status  // EntryTransition only
	To      Status  // EntryTransition only
	Reason  string
}

// Transition is a change of a check's settled status.
type Transition struct {
	From   Status
	To     Status
	At     time.Time
	Reason string
}

// Alerts reports whether the transition is one people are alerted about:
// into down, failed or overrunning, or a recovery from one of those: to up,
// or to late (the bad status ended, and the next run is due but still
// inside its grace: a finish that arrived after the next run's time, a
// schedule change that widened the grace). A later late→up is then no
// alert, and late→down a new one.
func (t Transition) Alerts() bool {
	return t.From != t.To && (t.To.Bad() || t.Recovers())
}

// Recovers reports whether the transition ends a bad status: to up, or to
// late.
func (t Transition) Recovers() bool {
	return t.From.Bad() && (t.To == StatusUp || t.To == StatusLate)
}

// TimelinePage selects a page of a timeline, newest first.
type TimelinePage struct {
	// Before is the cursor: only entries strictly older than (BeforeAt,
	// BeforeID) are returned. Zero values mean "from the newest".
	BeforeAt time.Time
	BeforeID int64
	Limit    int         // at most this many; stores cap it
	Kinds    []EntryKind // only these kinds; all when empty
}
