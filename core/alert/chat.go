package alert

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/pakyas/pakyas/core"
)

// plainText is an alert as a few lines of plain text: the headline, the
// reason, the project and the time.
func plainText(msg core.AlertMessage) string {
	var b strings.Builder
	if msg.Test {
		b.WriteString("[test] ")
	}
	b.WriteString(headline(msg))
	if w := wasPhrase(msg); w != "" && !recovery(msg) {
		b.WriteString(" " + w)
	}
	if msg.Reason != "" {
		b.WriteString("\n" + msg.Reason)
	}
	b.WriteString("\n" + footer(msg))
	return b.String()
}

// footer is "Project Infra · 2026-05-06 03:05:00 UTC".
func footer(msg core.AlertMessage) string {
	if msg.Project != "" {
		return "Project " + msg.Project + " · " + formatTime(msg.At)
	}
	return formatTime(msg.At)
}

// Discord posts to a Discord channel webhook ({"content": ...}; Discord
// answers 204).
type Discord struct{ Client *http.Client }

// Notify implements Notifier.
func (d *Discord) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateTarget("discord", ch.Target); err != nil {
		return Permanent(err)
	}
	return postJSON(ctx, d.Client, ch.Target, map[string]any{
		"username": "Pakyas",
		"content":  truncateRunes(plainText(msg), 2000), // Discord's limit
		// No @everyone or role pings from a check's name or reason.
		"allowed_mentions": map[string]any{"parse": []string{}},
	}, nil)
}

// Teams posts an Adaptive Card to a Microsoft Teams workflow webhook.
type Teams struct{ Client *http.Client }

// Notify implements Notifier.
func (t *Teams) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateTarget("teams", ch.Target); err != nil {
		return Permanent(err)
	}
	color := "attention"
	if recovery(msg) {
		color = "good"
	}
	var body []map[string]any
	body = append(body, map[string]any{"type": "TextBlock", "text": headline(msg), "weight": "bolder", "size": "medium", "color": color, "wrap": true})
	if msg.Reason != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": msg.Reason, "wrap": true})
	}
	body = append(body, map[string]any{"type": "TextBlock", "text": footer(msg), "isSubtle": true, "wrap": true})
	return postJSON(ctx, t.Client, ch.Target, map[string]any{
		"type": "message",
		"attachments": []map[string]any{{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard",
				"version": "1.4",
				"body":    body,
			},
		}},
	}, nil)
}

// Ntfy publishes to an ntfy topic: the text as the body, the headline as
// the Title, urgent for a bad status.
type Ntfy struct{ Client *http.Client }

// Notify implements Notifier.
func (n *Ntfy) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateTarget("ntfy", ch.Target); err != nil {
		return Permanent(err)
	}
	prio, tags := "3", "white_check_mark"
	if msg.To.Bad() {
		prio, tags = "5", "rotating_light"
	}
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Title", headline(msg))
	h.Set("Priority", prio)
	h.Set("Tags", tags)
	return post(ctx, n.Client, ch.Target, []byte(plainText(msg)), h)
}

// DefaultPagerDutyURL is PagerDuty's Events API v2 endpoint.
const DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// PagerDuty sends Events API v2 events: a trigger for a bad status, a
// resolve on recovery, with the check's public ID as the dedup key, so a
// recovery closes the incident its failure opened.
type PagerDuty struct {
	Client *http.Client
	URL    string // DefaultPagerDutyURL when empty
}

// Notify implements Notifier.
func (p *PagerDuty) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateTarget("pagerduty", ch.Target); err != nil {
		return Permanent(err)
	}
	endpoint := p.URL
	if endpoint == "" {
		endpoint = DefaultPagerDutyURL
	}
	action, severity := "trigger", "critical"
	switch {
	case recovery(msg):
		action = "resolve"
	case msg.To == core.StatusFailed:
		severity = "error"
	case !msg.To.Bad():
		severity = "warning"
	}
	dedup := "pakyas-" + msg.PublicID
	if msg.Test {
		dedup = "pakyas-test-" + msg.PublicID
	}
	return postJSON(ctx, p.Client, endpoint, map[string]any{
		"routing_key":  ch.Target,
		"event_action": action,
		"dedup_key":    dedup,
		"payload": map[string]any{
			"summary":   truncateRunes(strings.SplitN(plainText(msg), "\n", 2)[0], 1024),
			"source":    "pakyas: " + msg.Slug,
			"severity":  severity,
			"timestamp": msg.At.UTC().Format("2006-01-02T15:04:05Z"),
			"group":     msg.Project,
			"custom_details": map[string]any{
				"check": msg.Slug, "from": msg.From, "to": msg.To, "reason": msg.Reason,
			},
		},
	}, nil)
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Opsgenie creates an alert for a bad status (the check's public ID as its
// alias) and closes it on recovery, with the Alert API v2.
type Opsgenie struct {
	Client *http.Client
	URL    string // https://api.opsgenie.com, or the eu instance, when empty
}

// Notify implements Notifier.
func (o *Opsgenie) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateTarget("opsgenie", ch.Target); err != nil {
		return Permanent(err)
	}
	base := o.URL
	if base == "" {
		base = "https://api.opsgenie.com"
		if ch.Settings["region"] == "eu" {
			base = "https://api.eu.opsgenie.com"
		}
	}
	alias := "pakyas-" + msg.PublicID
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "GenieKey "+ch.Target)
	if recovery(msg) {
		body, _ := json.Marshal(map[string]any{"source": "pakyas", "note": plainText(msg)})
		return post(ctx, o.Client, base+"/v2/alerts/"+url.PathEscape(alias)+"/close?identifierType=alias", body, h)
	}
	priority := "P1"
	if msg.To == core.StatusFailed {
		priority = "P2"
	}
	body, _ := json.Marshal(map[string]any{
		"message":     truncateRunes(headline(msg), 130), // Opsgenie's limit
		"alias":       alias,
		"description": plainText(msg),
		"priority":    priority,
		"source":      "pakyas",
		"tags":        []string{"pakyas", string(msg.To)},
		"details":     map[string]string{"check": msg.Slug, "project": msg.Project, "reason": msg.Reason},
	})
	return post(ctx, o.Client, base+"/v2/alerts", body, h)
}

// Telegram sends the alert as a message through a bot (the token setting)
// to a chat (the target).
type Telegram struct {
	Client *http.Client
	URL    string // https://api.telegram.org when empty
}

// Notify implements Notifier.
func (t *Telegram) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateSettings("telegram", ch.Settings); err != nil {
		return Permanent(err)
	}
	base := t.URL
	if base == "" {
		base = "https://api.telegram.org"
	}
	return postJSON(ctx, t.Client, base+"/bot"+ch.Settings["token"]+"/sendMessage", map[string]any{
		"chat_id": ch.Target, "text": truncateRunes(plainText(msg), 4096), "disable_web_page_preview": true,
	}, nil)
}

// Pushover sends a notification with an application's token (the token
// setting) to a user or group key (the target); a bad status is high
// priority.
type Pushover struct {
	Client *http.Client
	URL    string // https://api.pushover.net when empty
}

// Notify implements Notifier.
func (p *Pushover) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateSettings("pushover", ch.Settings); err != nil {
		return Permanent(err)
	}
	base := p.URL
	if base == "" {
		base = "https://api.pushover.net"
	}
	priority := "0"
	if msg.To.Bad() {
		priority = "1"
	}
	form := url.Values{"token": {ch.Settings["token"]}, "user": {ch.Target}, "title": {truncateRunes(headline(msg), 250)},
		"message": {truncateRunes(plainText(msg), 1024)}, "priority": {priority}}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return post(ctx, p.Client, base+"/1/messages.json", []byte(form.Encode()), h)
}
