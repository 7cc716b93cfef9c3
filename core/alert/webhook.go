package alert

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
)

// Webhook events.
const (
	EventStatusChange = "status_change"
	EventTest         = "test"
)

// WebhookPayload is the JSON document a webhook channel receives (see the
// package documentation). It is stable: fields may be added, none renamed.
type WebhookPayload struct {
	Event     string       `json:"event"` // EventStatusChange or EventTest
	Check     WebhookCheck `json:"check"`
	From      core.Status  `json:"from"`
	To        core.Status  `json:"to"`
	FromLabel string       `json:"from_label"`
	ToLabel   string       `json:"to_label"`
	Reason    string       `json:"reason"`
	At        string       `json:"at"` // RFC 3339 in UTC
	// Recovery says the change ends a bad status (Missing, Failed,
	// Overrunning): to On Schedule, or to Late when the next run is
	// already due. An incident opened by the bad status's alert closes.
	Recovery bool `json:"recovery"`
}

// WebhookCheck identifies the check in a WebhookPayload.
type WebhookCheck struct {
	ID       string `json:"id"`
	PublicID string `json:"public_id"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Project  string `json:"project"`
}

// NewWebhookPayload returns the document sent for msg.
func NewWebhookPayload(msg core.AlertMessage) WebhookPayload {
	p := WebhookPayload{
		Event: EventStatusChange,
		Check: WebhookCheck{
			ID:       msg.CheckID,
			PublicID: msg.PublicID,
			Name:     msg.Name,
			Slug:     msg.Slug,
			Project:  msg.Project,
		},
		From:      msg.From,
		To:        msg.To,
		FromLabel: msg.From.Label(),
		ToLabel:   msg.To.Label(),
		Reason:    msg.Reason,
		At:        msg.At.UTC().Format(time.RFC3339),
		Recovery:  recovery(msg),
	}
	if msg.Test {
		p.Event = EventTest
	}
	return p
}

// Webhook POSTs a WebhookPayload to the channel's URL.
type Webhook struct {
	// Client sends the request; http.DefaultClient when nil. Give it a
	// timeout: ctx is the only other bound.
	Client *http.Client
}

var _ Notifier = (*Webhook)(nil)

// Notify POSTs msg as JSON to ch.Target. Any 2xx answer means accepted.
// With a channel secret, the request is signed as Standard Webhooks
// specifies: webhook-id (msg.DeliveryID, the same on every retry of one
// alert), webhook-timestamp and webhook-signature (v1, HMAC-SHA256 of
// "id.timestamp.body").
func (w *Webhook) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateTarget(core.ChannelWebhook, ch.Target); err != nil {
		return Permanent(err)
	}
	var sign func(body []byte, h http.Header) error
	if ch.Secret != "" {
		wh, err := standardwebhooks.NewWebhook(ch.Secret)
		if err != nil {
			return Permanent(fmt.Errorf("the channel's signing secret is not valid: %w", err))
		}
		id := msg.DeliveryID
		if id == "" {
			id = "msg_" + uuid.NewString()
		}
		sign = func(body []byte, h http.Header) error {
			now := time.Now()
			sig, err := wh.Sign(id, now, body)
			if err != nil {
				return err
			}
			h.Set(standardwebhooks.HeaderWebhookID, id)
			h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
			h.Set(standardwebhooks.HeaderWebhookSignature, sig)
			return nil
		}
	}
	return postJSON(ctx, w.Client, ch.Target, NewWebhookPayload(msg), sign)
}

// NewSecret returns a new webhook signing secret: "whsec_" and the
// base64 of 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}
