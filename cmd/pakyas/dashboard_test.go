package main

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

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
