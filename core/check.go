package core

import (
	"fmt"
	"strings"
	"time"
)

// ScheduleKind says how a check's expected run times are computed.
type ScheduleKind string

// Schedule kinds.
const (
	// SchedulePeriod: a run is expected Period after the previous one.
	SchedulePeriod ScheduleKind = "period"
	// ScheduleCron: a run is expected at each time of a cron expression in
	// a time zone.
	ScheduleCron ScheduleKind = "cron"
)

// Schedule is when a check's job is expected to run. Grace is the extra
// time after an expected run before the check is Missing (down); until then
// it is Late (from a minute after the expected time: status.OnTime).
type Schedule struct {
	Kind   ScheduleKind
	Period time.Duration // SchedulePeriod
	Cron   string        // ScheduleCron: standard 5-field expression
	TZ     string        // ScheduleCron: IANA time zone, "UTC" by default
	Grace  time.Duration
}

// Schedule limits.
const (
	MinPeriod = 30 * time.Second
	MaxPeriod = 365 * 24 * time.Hour
	MinGrace  = 0
	MaxGrace  = 365 * 24 * time.Hour
)

// ValidSlug reports whether s is a valid check slug: 1 to 100 characters of
// lowercase letters, digits, '-' and '_'. (A loop, not a regexp: compiling
// one at init would cost every `pakyas monitor` run a third of a millisecond.)
func ValidSlug(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SlugError says why s is not a valid check slug (nil when it is), in the
// words every command uses.
func SlugError(s string) error {
	if ValidSlug(s) {
		return nil
	}
	return fmt.Errorf("invalid check slug %q: a slug is 1 to 100 lowercase letters, digits, - and _ (e.g. nightly-backup)", s)
}

// Check is one monitored job.
type Check struct {
	ID         string // UUID, used by the API
	PublicID   string // UUID in ping URLs; knowing it is enough to ping
	OrgID      string
	ProjectID  string
	Name       string
	Slug       string // unique per project, [a-z0-9_-]
	Schedule   Schedule
	MaxRuntime time.Duration // 0 means "equal to the grace"
	// AlertAfter: a failed run alerts only after this many failures in a
	// row (0 and 1: at once). Missing and Overrunning alert at once.
	AlertAfter int
	// RemindEvery: while the check is Missing, Failed or Overrunning, it
	// alerts again this often (0: never).
	RemindEvery time.Duration
	// Channels are the IDs of the channels that alert for the check; nil:
	// every channel of the organization; empty (not nil): none.
	Channels []string
	// DependsOn is the ID of the check this one depends on (same project;
	// "" for none): while it is Missing or Failed, this check's alerts are
	// held, and sent if it is still bad when the parent recovers.
	DependsOn string
	CreatedAt time.Time
	UpdatedAt time.Time

	// State is maintained by core/status and saved with the check.
	State CheckState
}

// EffectiveMaxRuntime returns the max runtime, defaulting to the grace.
// With neither set, a run may take up to the period (an hour for cron
// schedules): a zero max runtime would make every run overrun at its start.
func (c *Check) EffectiveMaxRuntime() time.Duration {
	switch {
	case c.MaxRuntime > 0:
		return c.MaxRuntime
	case c.Schedule.Grace > 0:
		return c.Schedule.Grace
	case c.Schedule.Kind == SchedulePeriod && c.Schedule.Period > 0:
		return c.Schedule.Period
	}
	return time.Hour
}

// Run is an open execution: a start signal not yet closed by a finish.
type Run struct {
	ID        string    `json:"id,omitempty"` // the run id (rid); "" when the start had none
	StartedAt time.Time `json:"started_at"`
	// ArrivedAt is when a start delivered late (replayed from a spool)
	// reached the server; zero for one sent as it happened.
	ArrivedAt time.Time `json:"arrived_at,omitzero"`
}

// CheckStateOf is a check's state with the check's ID, for saving several
// at once (Queries.SaveCheckStates).
type CheckStateOf struct {
	CheckID string
	State   CheckState
}

// CheckState is what the signal model remembers about a check between
// signals. It is computed by core/status and stored with the check.
type CheckState struct {
	Status      Status    // settled status (never StatusRunning)
	StatusSince time.Time // when Status was entered
	OpenRuns    []Run     // starts not yet finished, oldest first

	// LastRunAt is the base of the next expected time: the start of the
	// last finished run, or its finish when it sent no start.
	LastRunAt     time.Time
	LastSignalAt  time.Time // newest occurred-at of any applied signal
	LastSuccessAt time.Time
	LastFailureAt time.Time
	LastStartAt   time.Time
	LastExitCode  int // of the last finish signal; -1 when unknown

	// ResumedAt is when the check was last resumed from pause; deadlines
	// are not computed from before it.
	ResumedAt time.Time

	// NextEvalAt is the next instant at which time alone may change the
	// status (late, down, overrunning), or a held alert is due; zero when
	// none. Stores index it so the evaluation loop only reads checks that
	// are due.
	NextEvalAt time.Time

	// HeldFrom is set while the alerts of replayed signals are held:
	// signals a client's spool sent late, after an outage, whose changes
	// are history by the time they arrive. It is the settled status before
	// the first of them; at HeldUntil (pushed back by each one) the
	// status then is decided once, as a live change is (against Told), or
	// nothing is sent when they ended where they began. Empty when nothing
	// is held.
	HeldFrom  Status
	HeldUntil time.Time

	// FailStreak counts the failed runs in a row (a success resets it).
	FailStreak int
	// NextReminderAt is when the next reminder of a bad status is due
	// (Check.RemindEvery): only while the status is Told; zero when none
	// is. A replay from a spool keeps it while it may end where it began.
	NextReminderAt time.Time

	// DepHeld is set while this check's alert is held because its parent
	// (Check.DependsOn) is Missing or Failed, or has not recovered since:
	// what people knew before the held change (Told, or the status before
	// it). Empty when none is held.
	DepHeld Status

	// PausedUntil ends a pause by itself (pause --for/--until); zero: the
	// pause lasts until Resume. Only set while the status is paused.
	PausedUntil time.Time

	// FailHeld is set while the alert of a failure waits for
	// Check.AlertAfter failures in a row: what people knew before it
	// (Told, or the status before the failure). Empty when no alert is
	// held.
	FailHeld Status

	// Told is the status the check's last alert (not a reminder)
	// announced, while that is a bad status: Missing, Failed or
	// Overrunning until the recovery from it is alerted; empty when none.
	// Every alert is decided against it, not against the status before
	// the change: a bad status other than Told alerts (unless an
	// --alert-after, depends-on or replay hold keeps it), On Schedule or
	// Late while Told is bad is the recovery, and nothing else alerts. A
	// pause keeps it, so a resume On Schedule is that recovery.
	Told Status
}

// Running reports whether a run is open.
func (s CheckState) Running() bool { return len(s.OpenRuns) > 0 }

// Normalize sets every time of s as a store gives it back: UTC, without
// Go's monotonic clock reading (the zero time stays zero). A state kept in
// memory from one transaction to the next then compares times by the wall
// clock, as one read back from the store would, also across a clock step.
func (s *CheckState) Normalize() {
	for _, t := range []*time.Time{&s.StatusSince, &s.LastRunAt, &s.LastSignalAt, &s.LastSuccessAt,
		&s.LastFailureAt, &s.LastStartAt, &s.ResumedAt, &s.NextEvalAt, &s.HeldUntil,
		&s.NextReminderAt, &s.PausedUntil} {
		*t = storedTime(*t)
	}
	for i := range s.OpenRuns {
		s.OpenRuns[i].StartedAt = storedTime(s.OpenRuns[i].StartedAt)
		s.OpenRuns[i].ArrivedAt = storedTime(s.OpenRuns[i].ArrivedAt)
	}
}

func storedTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Round(0).UTC()
}

// DisplayStatus returns the status to show: the settled status, except that
// a check with an open run shows running unless it is paused or overrunning.
func (c *Check) DisplayStatus() Status {
	s := c.State.Status
	if c.State.Running() && s != StatusPaused && s != StatusOverrunning {
		return StatusRunning
	}
	return s
}

// Slugify makes a slug from a name: "Nightly Backup" → "nightly-backup"
// ("" when nothing of it can be one). The server makes a check's slug
// from its name with it, and so do the importers.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if len(out) > 100 {
		out = strings.TrimRight(out[:100], "-")
	}
	return out
}

// CanonicalUUID reports whether s is a UUID in its canonical text form:
// 8-4-4-4-12 hex digits with dashes, lowercase unless upper allows capitals.
func CanonicalUUID(s string, upper bool) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', upper && c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return true
}
