package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

func TestChannels(t *testing.T) {
	u, _ := loggedIn(t)
	hook := testutil.NewReceiver(t, http.StatusOK)

	out := ok(t, u.run("channel", "list"))
	assert.Contains(t, out, "No alert channels")

	out = ok(t, u.run("channel", "add", "webhook", hook.URL, "--name", "ops"))
	assert.Contains(t, out, `Added webhook channel "ops"`)
	var chs []api.Channel
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.run("channel", "list", "--format", "json"))), &chs))
	require.Len(t, chs, 1)
	assert.Equal(t, hook.URL, chs[0].Target)

	out = ok(t, u.run("channel", "test", "ops"))
	assert.Contains(t, out, "Sent a test alert")
	reqs := hook.Drain()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPost, reqs[0].Method)

	r := u.run("channel", "add", "pager", "x")
	assert.Equal(t, exitUsage, r.code)
	r = u.run("channel", "test", "nope")
	assert.Equal(t, exitNotFound, r.code)

	assert.Contains(t, ok(t, u.run("channel", "remove", chs[0].ID)), `Removed channel "ops"`)
	assert.Contains(t, ok(t, u.run("channel", "list")), "No alert channels")
}

func TestChannelTestFailure(t *testing.T) {
	u, _ := loggedIn(t)
	hook := testutil.NewReceiver(t, http.StatusInternalServerError)
	ok(t, u.run("channel", "add", "webhook", hook.URL, "--name", "broken"))
	r := u.run("channel", "test", "broken")
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, "test alert through \"broken\" failed")
}

func TestKeys(t *testing.T) {
	u, srv := loggedIn(t)
	var k api.APIKey
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.run("key", "create", "ci", "--format", "json"))), &k))
	require.NotEmpty(t, k.Key)

	// The new key works...
	ci := newUser(t).with("PAKYAS_API_URL", srv.URL, "PAKYAS_API_KEY", k.Key)
	assert.Contains(t, ok(t, ci.run("whoami")), "User: admin@example.com")

	out := ok(t, u.run("key", "list"))
	assert.Contains(t, out, "ci")
	assert.Contains(t, out, k.Hint)
	assert.NotContains(t, out, k.Key, "secrets are never listed")

	// ... until it is revoked.
	assert.Contains(t, ok(t, u.run("key", "revoke", "ci")), `Revoked API key "ci"`)
	r := ci.run("whoami")
	assert.Equal(t, exitAuth, r.code)
	assert.Contains(t, r.stderr, "Not logged in")
	assert.Contains(t, r.stderr, "revoked")

	r = u.run("key", "revoke", "ci")
	assert.Equal(t, exitNotFound, r.code)
}
