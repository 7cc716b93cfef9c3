package alert

import (
	"context"
	"net/http"
	"strings"

	"github.com/pakyas/pakyas/core"
)

// Slack posts to a Slack incoming webhook (or a compatible one: Mattermost,
// Rocket.Chat, Discord's /slack endpoint).
type Slack struct {
	// Client sends the request; http.DefaultClient when nil. Give it a
	// timeout: ctx is the only other bound.
	Client *http.Client
}

var _ Notifier = (*Slack)(nil)

// slackPayload is the incoming-webhook document.
type slackPayload struct {
	Text string `json:"text"`
}

// Notify posts msg to the incoming webhook at ch.Target. Slack answers 200
// "ok"; its refusals (400 invalid_payload, 403 action_prohibited, 404
// no_service, 410 channel_is_archived) are permanent.
func (s *Slack) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	if err := ValidateTarget(core.ChannelSlack, ch.Target); err != nil {
		return Permanent(err)
	}
	return postJSON(ctx, s.Client, ch.Target, slackPayload{Text: SlackText(msg)}, nil)
}

// SlackText returns the message text, in Slack's mrkdwn, e.g.
//
//	:red_circle: *Nightly Backup* (`nightly-backup`) is *Missing* (was On Schedule)
//	no success signal since 03:00 UTC
//	Project Infra · 2026-05-06 03:05:00 UTC
func SlackText(msg core.AlertMessage) string {
	var b strings.Builder
	if msg.Test {
		b.WriteString("[test] ")
	}
	switch {
	case recovery(msg):
		b.WriteString(":large_green_circle: ")
	case msg.To.Bad():
		b.WriteString(":red_circle: ")
	default:
		b.WriteString(":large_yellow_circle: ")
	}
	b.WriteString("*" + slackEscape(checkName(msg)) + "*")
	if msg.Slug != "" && msg.Slug != checkName(msg) {
		b.WriteString(" (`" + slackEscape(msg.Slug) + "`)")
	}
	if recovery(msg) && !backUp(msg) {
		b.WriteString(" is no longer *" + msg.From.Label() + "* (now *" + msg.To.Label() + "*)")
	} else {
		b.WriteString(" is *" + msg.To.Label() + "*")
		if backUp(msg) {
			b.WriteString(" again")
		}
		if was := wasPhrase(msg); was != "" {
			b.WriteString(" " + was)
		}
	}
	if msg.Reason != "" {
		b.WriteString("\n" + slackEscape(msg.Reason))
	}
	var foot []string
	if msg.Project != "" {
		foot = append(foot, "Project "+slackEscape(msg.Project))
	}
	if !msg.At.IsZero() {
		foot = append(foot, formatTime(msg.At))
	}
	if len(foot) > 0 {
		b.WriteString("\n" + strings.Join(foot, " · "))
	}
	return b.String()
}

// slackEscape escapes the three characters Slack's mrkdwn reserves for
// links and mentions.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
