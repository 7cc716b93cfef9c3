package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogoutJSON: with --format json stdout holds only a JSON object:
// logged out, whether a key was removed, and config.toml's path; the
// warning about PAKYAS_API_KEY goes to stderr.
func TestLogoutJSON(t *testing.T) {
	u, _ := loggedIn(t)
	type result struct {
		LoggedOut  bool   `json:"logged_out"`
		RemovedKey bool   `json:"removed_key"`
		Config     string `json:"config"`
	}
	for _, want := range []result{
		{LoggedOut: true, RemovedKey: true, Config: u.configFile()},
		{LoggedOut: true, RemovedKey: false, Config: u.configFile()}, // again: no key left
	} {
		r := u.with("PAKYAS_API_KEY", "pk_live_x").run("--format", "json", "logout")
		require.Equal(t, 0, r.code, "%s", r)
		var got result
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&got), r.stdout)
		assert.Equal(t, want, got)
		assert.Contains(t, r.stderr, "PAKYAS_API_KEY is still set")
	}
}
