package alert

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

func TestSlackText(t *testing.T) {
	tests := []struct {
		name string
		msg  func() core.AlertMessage
		want string
	}{
		{"down", downMsg, ":red_circle: *Nightly Backup* (`nightly-backup`) is *Missing* (was On Schedule)\n" +
			"no success signal since 02:00 UTC\n" +
			"Project Infra · 2026-05-06 03:00:00 UTC"},
		{"recovery", upMsg, ":large_green_circle: *Nightly Backup* (`nightly-backup`) is *On Schedule* again (was Missing)\n" +
			"success signal received\n" +
			"Project Infra · 2026-05-06 03:05:00 UTC"},
		{"recovery into late", func() core.AlertMessage {
			m := upMsg()
			m.From, m.To, m.Reason = core.StatusOverrunning, core.StatusLate, "success signal received; the next run was expected at 03:00 UTC"
			return m
		}, ":large_green_circle: *Nightly Backup* (`nightly-backup`) is no longer *Overrunning* (now *Late*)\n" +
			"success signal received; the next run was expected at 03:00 UTC\n" +
			"Project Infra · 2026-05-06 03:05:00 UTC"},
		{"failed", func() core.AlertMessage {
			m := downMsg()
			m.To, m.Reason = core.StatusFailed, "exit code 2"
			return m
		}, ":red_circle: *Nightly Backup* (`nightly-backup`) is *Failed* (was On Schedule)\n" +
			"exit code 2\n" +
			"Project Infra · 2026-05-06 03:00:00 UTC"},
		{"test", func() core.AlertMessage { m := downMsg(); m.Test = true; return m },
			"[test] :red_circle: *Nightly Backup* (`nightly-backup`) is *Missing* (was On Schedule)\n" +
				"no success signal since 02:00 UTC\n" +
				"Project Infra · 2026-05-06 03:00:00 UTC"},
		{"escaped", func() core.AlertMessage {
			return core.AlertMessage{Name: "a <b> & c", Slug: "abc", To: core.StatusDown, Reason: "<!channel>"}
		}, ":red_circle: *a &lt;b&gt; &amp; c* (`abc`) is *Missing*\n&lt;!channel&gt;"},
		{"slug only", func() core.AlertMessage {
			return core.AlertMessage{Slug: "abc", From: core.StatusUp, To: core.StatusOverrunning}
		}, ":red_circle: *abc* is *Overrunning* (was On Schedule)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, SlackText(tt.msg()))
		})
	}
}

func TestSlackPostsText(t *testing.T) {
	srv, got := peer(t, answer(http.StatusOK, "ok"))
	s := &Slack{Client: srv.Client()}
	ch := core.Channel{Name: "alerts", Kind: core.ChannelSlack, Target: srv.URL + "/services/T0/B0/XXXX"}
	require.NoError(t, s.Notify(context.Background(), ch, downMsg()))

	r := <-got
	assert.Equal(t, http.MethodPost, r.method)
	assert.Equal(t, "/services/T0/B0/XXXX", r.path)
	assert.Equal(t, "application/json", r.contentType)
	assert.Equal(t, "pakyas-server", r.userAgent)
	assert.JSONEq(t, `{"text":":red_circle: *Nightly Backup* (`+"`nightly-backup`"+`) is *Missing* (was On Schedule)\n`+
		`no success signal since 02:00 UTC\nProject Infra · 2026-05-06 03:00:00 UTC"}`, r.body)
}

func TestSlackRefusal(t *testing.T) {
	srv, _ := peer(t, answer(http.StatusNotFound, "no_service"))
	ch := core.Channel{Kind: core.ChannelSlack, Target: srv.URL + "/services/T0/B0/XXXX"}
	err := (&Slack{Client: srv.Client()}).Notify(context.Background(), ch, downMsg())
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Equal(t, "HTTP 404 Not Found", err.Error())
}

// TestRecovery: a recovery (which resolves the incident on PagerDuty and
// Opsgenie) is a change out of a bad status to On Schedule or to Late.
func TestRecovery(t *testing.T) {
	for _, tt := range []struct {
		from, to core.Status
		want     bool
	}{
		{core.StatusDown, core.StatusUp, true},
		{core.StatusOverrunning, core.StatusLate, true},
		{core.StatusFailed, core.StatusLate, true},
		{core.StatusUp, core.StatusLate, false},
		{core.StatusUp, core.StatusDown, false},
		{core.StatusDown, core.StatusDown, false}, // a reminder
	} {
		assert.Equal(t, tt.want, recovery(core.AlertMessage{From: tt.from, To: tt.to}), "%s→%s", tt.from, tt.to)
	}
	m := upMsg()
	m.From, m.To = core.StatusOverrunning, core.StatusLate
	assert.Equal(t, "[Pakyas] Nightly Backup is no longer Overrunning (now Late)", EmailSubject(m))
	assert.True(t, NewWebhookPayload(m).Recovery)
}
