package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
