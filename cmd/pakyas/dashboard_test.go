package main

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDashboardLink: `pakyas dashboard --no-browser` prints a sign-in link
// as the last line of stdout; it signs a browser in once.
func TestDashboardLink(t *testing.T) {
	u, srv := loggedIn(t)
	out := ok(t, u.run("dashboard", "--no-browser"))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	link := lines[len(lines)-1]
	require.True(t, strings.HasPrefix(link, srv.URL+"/signin/"), out)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	b := &http.Client{Jar: jar}
	resp, err := b.Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "signed in, on the overview")
	resp, err = b.Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusGone, resp.StatusCode, "a reused link is refused")

	r := newUser(t).run("dashboard", "--no-browser")
	assert.Equal(t, exitAuth, r.code, "needs a logged-in key")
}

// TestDashboardJSON: with --format json stdout holds only the link and
// when it expires, 10 minutes on.
func TestDashboardJSON(t *testing.T) {
	u, srv := loggedIn(t)
	r := u.run("--format", "json", "dashboard", "--no-browser")
	require.Equal(t, 0, r.code, "%s", r)
	var l struct {
		URL       string    `json:"url"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&l), r.stdout)
	assert.True(t, strings.HasPrefix(l.URL, srv.URL+"/signin/"), l.URL)
	assert.Equal(t, srv.Clock.Now().Add(10*time.Minute).UTC(), l.ExpiresAt.UTC())
}
