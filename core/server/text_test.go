package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
	"github.com/pakyas/pakyas/internal/testutil"
)

// backends are the stores the text tests run on: PostgreSQL refuses
// what SQLite keeps (invalid UTF-8, NUL).
var backends = []string{"sqlite", "postgres"}

// startOn starts a server on a store of kind "sqlite" or "postgres" (a
// schema of its own), with a fake clock, and returns its URL, a client
// with the first user's key and a check.
func startOn(t *testing.T, kind string) (string, *api.Client, *api.Check) {
	t.Helper()
	ctx := context.Background()
	var url string
	if kind == "postgres" {
		url = pgtest.URL(t)
	}
	st := openStore(t, kind, url)
	key, err := server.Init(ctx, st, testutil.Epoch, server.Admin{Email: "admin@example.com", Org: "Test Org", Project: "Test Project"})
	require.NoError(t, err)
	_, base := serve(t, st, testutil.NewClock(testutil.Epoch))
	c := &api.Client{BaseURL: base, APIKey: key}
	me, err := c.Me(ctx)
	require.NoError(t, err)
	ch, err := c.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Name: ptr("Nightly"), Slug: ptr("nightly")})
	require.NoError(t, err)
	return base, c, ch
}

// TestPingTextCleaned: a ping's User-Agent, X-Forwarded-For and ?host=
// are recorded as valid UTF-8 without control characters, cut on a
// character boundary, and the ping is accepted on both stores. Kept as
// sent, they failed the ping (500) on PostgreSQL, whose TEXT refuses
// invalid UTF-8 and NUL.
func TestPingTextCleaned(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name, userAgent, forwarded, query string
		want                              api.Signal // UserAgent, RemoteAddr, Host
	}{
		{name: "user agent cut inside a character", userAgent: a(199) + "é",
			want: api.Signal{UserAgent: a(199), RemoteAddr: "127.0.0.1"}},
		{name: "invalid UTF-8 in the user agent", userAgent: "curl\xff",
			want: api.Signal{UserAgent: "curl\uFFFD", RemoteAddr: "127.0.0.1"}},
		{name: "tab in the user agent", userAgent: "a\tb",
			want: api.Signal{UserAgent: "ab", RemoteAddr: "127.0.0.1"}},
		{name: "forwarded address cut inside a character", userAgent: "t", forwarded: a(63) + "é",
			want: api.Signal{UserAgent: "t", RemoteAddr: a(63)}},
		{name: "invalid UTF-8 in the forwarded address", userAgent: "t", forwarded: "10.0.0.1\xff",
			want: api.Signal{UserAgent: "t", RemoteAddr: "10.0.0.1\uFFFD"}},
		{name: "invalid UTF-8 in host", userAgent: "t", query: "?host=%FF",
			want: api.Signal{UserAgent: "t", RemoteAddr: "127.0.0.1", Host: "\uFFFD"}},
		{name: "NUL in host", userAgent: "t", query: "?host=ab%00c",
			want: api.Signal{UserAgent: "t", RemoteAddr: "127.0.0.1", Host: "abc"}},
		{name: "newline in host", userAgent: "t", query: "?host=ab%0Ac",
			want: api.Signal{UserAgent: "t", RemoteAddr: "127.0.0.1", Host: "abc"}},
		{name: "host cut inside a character", userAgent: "t", query: "?host=" + a(254) + "%C3%A9",
			want: api.Signal{UserAgent: "t", RemoteAddr: "127.0.0.1", Host: a(254)}},
		{name: "clean text kept", userAgent: "curl/8 ü", forwarded: "2001:db8::1", query: "?host=hôte",
			want: api.Signal{UserAgent: "curl/8 ü", RemoteAddr: "2001:db8::1", Host: "hôte"}},
	}
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			base, c, ch := startOn(t, kind)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					req, err := http.NewRequest("GET", base+"/ping/"+ch.PublicID+"/log"+tt.query, nil)
					require.NoError(t, err)
					req.Header.Set("User-Agent", tt.userAgent)
					if tt.forwarded != "" {
						req.Header.Set("X-Forwarded-For", tt.forwarded)
					}
					resp, err := http.DefaultClient.Do(req)
					require.NoError(t, err)
					resp.Body.Close()
					require.Equal(t, http.StatusOK, resp.StatusCode, "the ping is accepted")
					got, err := c.Check(context.Background(), ch.ID)
					require.NoError(t, err)
					require.NotEmpty(t, got.Signals)
					s := got.Signals[0]
					assert.Equal(t, tt.want, api.Signal{UserAgent: s.UserAgent, RemoteAddr: s.RemoteAddr, Host: s.Host})
				})
			}
		})
	}
}

// TestControlCharactersRefused: key names and pause reasons are one line
// of text: a control character is a clear 400 on both stores, never a
// 500 (PostgreSQL refuses NUL) nor stored (SQLite keeps it).
func TestControlCharactersRefused(t *testing.T) {
	tests := []struct {
		name, path, body, msg string
	}{
		{"NUL in a key name", "/api/v1/keys", `{"name":"a\u0000b"}`, "control character"},
		{"newline in a key name", "/api/v1/keys", `{"name":"a\nb"}`, "control character"},
		{"escape sequence in a key name", "/api/v1/keys", `{"name":"a\u001b[2Jb"}`, "control character"},
		{"NUL in a pause reason", "pause", `{"reason":"a\u0000b"}`, "control character"},
		{"newline in a pause reason", "pause", `{"reason":"a\nb"}`, "control character"},
	}
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			base, c, ch := startOn(t, kind)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					path := tt.path
					if path == "pause" {
						path = "/api/v1/checks/" + ch.ID + "/pause"
					}
					req, err := http.NewRequest("POST", base+path, strings.NewReader(tt.body))
					require.NoError(t, err)
					req.Header.Set("Authorization", "Bearer "+c.APIKey)
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					require.NoError(t, err)
					defer resp.Body.Close()
					b, err := io.ReadAll(resp.Body)
					require.NoError(t, err)
					assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", b)
					e := decodeErr(t, b)
					assert.Contains(t, e.Message, tt.msg)
					assert.NotEmpty(t, e.Hint)
				})
			}
			keys, err := c.Keys(context.Background())
			require.NoError(t, err)
			assert.Len(t, keys, 1, "no key was made")
			got, err := c.Check(context.Background(), ch.ID)
			require.NoError(t, err)
			assert.Equal(t, "new", got.Status, "the check was not paused")
		})
	}
}

// TestPingSlugNotText: a slug ping whose ping key or slug is not text a
// database holds (invalid UTF-8, NUL) is an unknown check, 404, on every
// store (PostgreSQL would refuse the lookup itself).
func TestPingSlugNotText(t *testing.T) {
	for _, kind := range backends {
		t.Run(kind, func(t *testing.T) {
			base, _, _ := startOn(t, kind)
			for _, path := range []string{"/ping/%FF/nightly", "/ping/ab%00c/nightly", "/p/%FF/nightly"} {
				resp, err := http.Get(base + path)
				require.NoError(t, err)
				resp.Body.Close()
				assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
			}
		})
	}
}
