package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/alert"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/internal/testutil"
)

// TestChannelKinds: channel kinds lists every kind with its target; each
// URL kind is added and tested through the built binary against a
// loopback receiver; a bad target for a kind is refused with what it
// needs.
func TestChannelKinds(t *testing.T) {
	u, _ := loggedIn(t)
	out := ok(t, u.exec("channel", "kinds"))
	for _, k := range []string{"webhook", "slack", "email", "discord", "mattermost", "teams", "ntfy", "pagerduty", "opsgenie", "telegram", "pushover"} {
		assert.Regexp(t, `(?m)^`+k+`\s+`, out)
	}
	var kinds []map[string]any
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.exec("channel", "kinds", "--format", "json"))), &kinds))
	assert.Len(t, kinds, 11)
	assert.Regexp(t, `(?m)^telegram\s+.*token: the bot's token, from @BotFather \(required\)`, out)

	hook := testutil.NewReceiver(t, 200)
	for _, k := range []string{"discord", "mattermost", "teams", "ntfy"} {
		ok(t, u.exec("channel", "add", k, hook.URL+"/"+k, "--name", k))
		out := ok(t, u.exec("channel", "test", k))
		assert.Contains(t, out, k)
		reqs := hook.Drain()
		require.Len(t, reqs, 1, k)
		assert.Equal(t, "/"+k, reqs[0].Path)
		assert.Contains(t, string(reqs[0].Body), "Test", k)
	}
	r := u.exec("channel", "add", "pagerduty", "https://example.com", "--name", "pd")
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, "32-character Integration Key")
	// Settings: required ones checked, unknown ones refused, secrets never shown back.
	r = u.exec("channel", "add", "telegram", "--name", "tg", "--", "-1001234567890") // a group's ID is negative: after --
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, "telegram channels need the setting token")
	assert.Contains(t, r.stderr, "--set token=")
	r = u.exec("channel", "add", "telegram", "--name", "tg", "--set", "token=123:ABC", "--set", "colour=red", "--", "-1001234567890")
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, `telegram channels have no setting "colour" (theirs: token)`)
	ok(t, u.exec("channel", "add", "telegram", "--name", "tg", "--set", "token=123:ABC", "--", "-1001234567890"))
	ok(t, u.exec("channel", "add", "opsgenie", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "--name", "og", "--set", "region=eu"))
	list := ok(t, u.exec("channel", "list", "--format", "json"))
	assert.Contains(t, list, `"token": "***"`)
	assert.NotContains(t, list, "123:ABC")
	assert.Contains(t, list, `"region": "eu"`)

	r = u.exec("channel", "add", "fax", "123")
	assert.Equal(t, exitUsage, r.code, "%s", r)
	assert.Contains(t, r.stderr, "pakyas channel kinds")
}

// TestChannelTestServices: pakyas channel test works for the kinds whose
// target is a key, through the built binary, with the server pointed at a
// stand-in for PagerDuty, Opsgenie, Telegram and Pushover.
func TestChannelTestServices(t *testing.T) {
	hook := testutil.NewReceiver(t, 200)
	srv := testutil.StartServerWith(t, func(c *server.Config) {
		c.ServiceURLs = alert.ServiceURLs{PagerDutyURL: hook.URL + "/v2/enqueue", OpsgenieURL: hook.URL, TelegramURL: hook.URL, PushoverURL: hook.URL}
	})
	u := newUser(t)
	ok(t, u.run("login", "--api-url", srv.URL, "--api-key", srv.Key))
	for _, tc := range []struct {
		args []string
		path string
	}{
		{[]string{"pagerduty", "R0123456789abcdef0123456789abcde"}, "/v2/enqueue"},
		{[]string{"opsgenie", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"}, "/v2/alerts"},
		{[]string{"telegram", "--set", "token=123:ABC", "--", "-1001234567890"}, "/bot123:ABC/sendMessage"},
		{[]string{"pushover", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "--set", "token=app"}, "/1/messages.json"},
	} {
		name := tc.args[0]
		ok(t, u.exec(append([]string{"channel", "add", "--name", name}, tc.args...)...))
		out := ok(t, u.exec("channel", "test", name))
		assert.Contains(t, out, "Sent a test alert", name)
		reqs := hook.Drain()
		require.Len(t, reqs, 1, name)
		assert.Equal(t, tc.path, reqs[0].Path, name)
	}
}
