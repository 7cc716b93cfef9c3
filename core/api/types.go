package api

import "time"

// Error is the body of every non-2xx API answer.
type Error struct {
	Code    string `json:"code"`           // machine-readable: invalid, not_found, unauthorized, ...
	Message string `json:"error"`          // what is wrong
	Hint    string `json:"hint,omitempty"` // how to fix it
}

// User is the caller of an API request.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// Org is an organization.
type Org struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	CreatedAt time.Time `json:"created_at"`
	Projects  []Project `json:"projects,omitempty"` // filled by GET /me
}

// Project is a project of an organization.
type Project struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	CreatedAt time.Time `json:"created_at"`
	// PingKey pings the project's checks by slug:
	// /ping/<ping_key>/<slug> (healthchecks.io's slug URLs); absent until
	// one is made (POST /api/v1/projects/{project}/ping-key).
	PingKey string `json:"ping_key,omitempty"`
	// BadgeKey makes the project's status badges readable without an API
	// key: /badge/<badge_key>/<slug>.svg (and .json), /badge/<badge_key>/all.svg.
	BadgeKey string `json:"badge_key,omitempty"`
}

// Me is the answer of GET /api/v1/me: who the key belongs to and every
// organization (with its projects) the key can see.
type Me struct {
	User User   `json:"user"`
	Key  APIKey `json:"key"`
	Orgs []Org  `json:"orgs"`
}

// APIKey describes an API key. Key is set only in the answer to its
// creation: it is never shown again.
type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Hint      string     `json:"hint"` // the first characters, to recognise it
	Key       string     `json:"key,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Schedule is when a check's job is expected. Durations are in seconds.
type Schedule struct {
	Kind   string `json:"kind"`             // "period" or "cron"
	Period int64  `json:"period,omitempty"` // seconds, kind "period"
	Cron   string `json:"cron,omitempty"`   // kind "cron"
	TZ     string `json:"tz,omitempty"`     // kind "cron", IANA zone
	Grace  int64  `json:"grace"`            // seconds
}

// Check is a monitored job as the API shows it.
type Check struct {
	ID          string   `json:"id"`
	PublicID    string   `json:"public_id"`
	OrgID       string   `json:"org_id"`
	ProjectID   string   `json:"project_id"`
	Name        string   `json:"name"`
	Slug        string   `json:"slug"`
	Schedule    Schedule `json:"schedule"`
	MaxRuntime  int64    `json:"max_runtime"`  // seconds; defaults to the grace
	AlertAfter  int      `json:"alert_after"`  // failures in a row before a Failed alert; 0 or 1: at once
	RemindEvery int64    `json:"remind_every"` // seconds; 0: no reminders
	// Channels are the IDs of the channels that alert for the check;
	// absent: every channel of the organization; empty: none.
	Channels []string `json:"channels"`
	// DependsOn is the ID of the check this one depends on ("" for none);
	// DependsOnSlug its slug (GET /checks/{ref} only).
	DependsOn     string `json:"depends_on,omitempty"`
	DependsOnSlug string `json:"depends_on_slug,omitempty"`
	// BadgeURL is the check's status badge, readable without an API key
	// (GET /checks/{ref} only).
	BadgeURL string `json:"badge_url,omitempty"`
	// PausedUntil is when a timed pause ends by itself.
	PausedUntil *time.Time `json:"paused_until,omitempty"`
	Paused      bool       `json:"paused"`
	Status      string     `json:"status"`       // new, up, running, late, down, failed, overrunning, paused
	StatusLabel string     `json:"status_label"` // the product's words: "On Schedule", "Missing", ...
	// SettledStatus is the status without the running overlay.
	SettledStatus  string          `json:"settled_status"`
	StatusSince    *time.Time      `json:"status_since,omitempty"`
	Running        bool            `json:"running"`
	OpenRuns       []Run           `json:"open_runs,omitempty"`
	LastSignalAt   *time.Time      `json:"last_signal_at,omitempty"`
	LastSuccessAt  *time.Time      `json:"last_success_at,omitempty"`
	LastFailureAt  *time.Time      `json:"last_failure_at,omitempty"`
	LastStartAt    *time.Time      `json:"last_start_at,omitempty"`
	LastExitCode   *int            `json:"last_exit_code,omitempty"`
	NextExpectedAt *time.Time      `json:"next_expected_at,omitempty"`
	DeadlineAt     *time.Time      `json:"deadline_at,omitempty"` // when the grace of the next expected run ends
	PingURL        string          `json:"ping_url"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	Signals        []Signal        `json:"signals,omitempty"`  // GET of one check: the most recent signals
	Timeline       []TimelineEntry `json:"timeline,omitempty"` // GET of one check: the most recent entries
}

// Run is an open execution of a check.
type Run struct {
	RunID     string    `json:"run_id,omitempty"`
	StartedAt time.Time `json:"started_at"`
}

// CheckInput creates a check (POST) or changes one (PATCH: only the fields
// present change).
type CheckInput struct {
	Name       *string `json:"name,omitempty"`
	Slug       *string `json:"slug,omitempty"`
	Period     *int64  `json:"period,omitempty"`      // seconds; selects a period schedule
	Cron       *string `json:"cron,omitempty"`        // selects a cron schedule
	TZ         *string `json:"tz,omitempty"`          // with cron; default UTC
	Grace      *int64  `json:"grace,omitempty"`       // seconds
	MaxRuntime *int64  `json:"max_runtime,omitempty"` // seconds; 0 = same as grace
	// PublicID sets the check's public ID, the UUID of its ping URL (a new
	// random one when not given): `pakyas import` keeps a healthchecks.io
	// check's UUID so its ping lines keep working.
	PublicID *string `json:"public_id,omitempty"`
	// AlertAfter: a failed run alerts only after this many failures in a
	// row (0 or 1: at once). Missing and Overrunning alert at once.
	AlertAfter *int `json:"alert_after,omitempty"`
	// RemindEvery (seconds): a check left Missing, Failed or Overrunning
	// alerts again this often; 0 turns reminders off.
	RemindEvery *int64 `json:"remind_every,omitempty"`
	// Channels names the channels (names or IDs) that alert for the
	// check: ["all"] (the default) or ["none"] too.
	Channels *[]string `json:"channels,omitempty"`
	// DependsOn is the slug of the check (same project) this one depends
	// on: while it is Missing or Failed this check's alerts are held. ""
	// removes it.
	DependsOn *string `json:"depends_on,omitempty"`
}

// Signal is one received ping.
type Signal struct {
	ID            int64     `json:"id"`
	Kind          string    `json:"kind"` // start, success, fail, log
	ExitCode      *int      `json:"exit_code,omitempty"`
	RunID         string    `json:"run_id,omitempty"`
	At            time.Time `json:"at"`          // when it happened
	ReceivedAt    time.Time `json:"received_at"` // when the server got it
	DeliveredLate bool      `json:"delivered_late,omitempty"`
	DurationMS    int64     `json:"duration_ms,omitempty"`
	Host          string    `json:"host,omitempty"`
	Output        string    `json:"output"` // the body; invalid UTF-8 shows as U+FFFD
	// OutputBase64 is the body's exact bytes in base64, set only when the
	// body is not valid UTF-8 (binary output): Output cannot hold it.
	OutputBase64    string `json:"output_base64,omitempty"`
	OutputTruncated bool   `json:"output_truncated,omitempty"`
	Method          string `json:"method,omitempty"`
	RemoteAddr      string `json:"remote_addr,omitempty"`
	UserAgent       string `json:"user_agent,omitempty"`
}

// TimelineEntry is one line of a check's timeline.
type TimelineEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"` // signal, transition, alert, note
	From   string    `json:"from,omitempty"`
	To     string    `json:"to,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Signal *Signal   `json:"signal,omitempty"`
}

// TimelinePage is a page of a timeline, newest first. NextCursor is passed
// as ?before= to get the next (older) page; it is empty on the last page.
type TimelinePage struct {
	Entries    []TimelineEntry `json:"entries"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// Channel is an alert channel of an organization.
type Channel struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`   // webhook, slack, email
	Target    string    `json:"target"` // URL or email address
	CreatedAt time.Time `json:"created_at"`
	// Secret signs a webhook channel's alerts (Standard Webhooks); in the
	// answer to its creation only.
	Secret string `json:"secret,omitempty"`
	// Settings are the kind's settings; secret ones show as "***".
	Settings map[string]string `json:"settings,omitempty"`
}

// ChannelInput creates a channel.
type ChannelInput struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Target string `json:"target"`
	// Settings are the kind's settings beyond the target (a Telegram bot
	// token, an Opsgenie region): pakyas channel kinds lists them.
	Settings map[string]string `json:"settings,omitempty"`
}

// PauseInput is the optional body of a pause: how long it lasts (For, in
// seconds, or Until) and why. Without either it lasts until a resume.
type PauseInput struct {
	For    int64      `json:"for,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// PauseResult is the answer of a project pause or resume: the checks it
// changed.
type PauseResult struct {
	Checks []Check `json:"checks"`
	// Until is the end of a timed project pause (the window), absent for
	// one with no end and for a resume.
	Until *time.Time `json:"until,omitempty"`
}

// NameInput creates an organization, a project or an API key.
type NameInput struct {
	Name string `json:"name"`
	// Slug names an organization or project in commands; made from the
	// name when not given. Unique among its siblings.
	Slug string `json:"slug,omitempty"`
}

// Status is the answer of POST /channels/{id}/test and similar actions.
type Status struct {
	OK      bool   `json:"ok"`
	Message string `json:"message,omitempty"`
}

// DashboardLink is a one-time dashboard sign-in link
// (POST /api/v1/dashboard/link).
type DashboardLink struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}
