package core

import "time"

// ChannelKind is how an alert channel delivers.
type ChannelKind string

// Channel kinds.
const (
	ChannelWebhook ChannelKind = "webhook" // POST of a JSON document
	ChannelSlack   ChannelKind = "slack"   // Slack incoming webhook
	ChannelEmail   ChannelKind = "email"   // email over the server's SMTP relay
)

// Channel is where an organization's alerts go. Every check of the
// organization alerts to every one of its channels.
type Channel struct {
	ID     string // UUID
	OrgID  string
	Name   string
	Kind   ChannelKind
	Target string // URL for webhook and Slack, address for email
	// Secret signs webhook alerts (Standard Webhooks, "whsec_" and base64);
	// shown once, when the channel is added. Empty: unsigned.
	Secret string
	// Settings are the kind's settings beyond the target (a Telegram bot
	// token, an Opsgenie region); nil when none.
	Settings  map[string]string
	CreatedAt time.Time
}

// AlertMessage is what an alert says. It is fixed when the alert is
// decided, so a later rename of the check does not change a queued alert.
type AlertMessage struct {
	CheckID   string    `json:"check_id"`
	PublicID  string    `json:"public_id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	Project   string    `json:"project"`
	From      Status    `json:"from"`
	To        Status    `json:"to"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
	Test      bool      `json:"test,omitempty"` // sent by "channel test"
	ServerURL string    `json:"-"`
	// DeliveryID is the same on every attempt to deliver one alert (its
	// outbox ID), so a receiver can drop repeats (webhook-id).
	DeliveryID string `json:"-"`
}

// Alert states.
const (
	AlertPending   = "pending"
	AlertDelivered = "delivered"
	AlertFailed    = "failed" // gave up after the last retry
)

// Alert is one message to one channel in the durable outbox. It is written
// in the same transaction as the transition that caused it, so an alert
// decided before a crash is delivered after the restart.
type Alert struct {
	ID            int64
	CheckID       string
	ChannelID     string
	Message       AlertMessage
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   time.Time
	// LeaseToken and LeaseUntil: the server delivering the alert holds it
	// until then (Queries.ClaimAlerts); "" when no one does.
	LeaseToken string
	LeaseUntil time.Time
}
