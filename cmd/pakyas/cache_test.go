package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/cache"
)

// editCache changes every entry of the user's cache file.
func editCache(t *testing.T, path string, fn func(p *cache.Project)) {
	t.Helper()
	var f struct {
		Version  int                       `json:"version"`
		Projects map[string]*cache.Project `json:"projects"`
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Projects)
	for _, p := range f.Projects {
		fn(p)
	}
	b, err = json.Marshal(f)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
}

func readCache(t *testing.T, path string) *cache.Cache {
	t.Helper()
	c, err := cache.Load(path)
	require.NoError(t, err)
	return c
}

// TestCache runs the built binary through a counting proxy to see which
// pings need API calls.
func TestCache(t *testing.T) {
	u, srv := loggedIn(t)
	job := createCheck(t, srv, "my-job")
	proxy := newCounter(t, srv.URL)
	u = u.with("PAKYAS_API_URL", proxy.URL)

	// check list fills the cache at the guide's path, 0600.
	ok(t, u.exec("check", "list"))
	assertMode(t, u.cacheFile(), 0o600)
	p := readCache(t, u.cacheFile()).Get(proxy.URL, job.ProjectID)
	require.NotNil(t, p)
	assert.Equal(t, job.PublicID, p.Checks["my-job"])
	assert.Equal(t, "Test Project", p.ProjectName)

	t.Run("hit needs no API call", func(t *testing.T) {
		proxy.reset()
		ok(t, u.exec("ping", "my-job"))
		apiCalls, pings := proxy.counts()
		assert.Zero(t, apiCalls)
		assert.Equal(t, 1, pings)
		// Not even a key is needed for a hit.
		ok(t, u.exec("ping", "my-job", "--api-key", "pk_live_revoked"))
	})

	t.Run("a project named by its slug hits too", func(t *testing.T) {
		require.NotEmpty(t, p.ProjectSlug, "the cache keeps the project's slug")
		proxy.reset()
		ok(t, u.with("PAKYAS_PROJECT", p.ProjectSlug).exec("ping", "my-job"))
		apiCalls, pings := proxy.counts()
		assert.Zero(t, apiCalls, "PAKYAS_PROJECT=%s", p.ProjectSlug)
		assert.Equal(t, 1, pings)
	})

	t.Run("older than 24h is refreshed", func(t *testing.T) {
		editCache(t, u.cacheFile(), func(p *cache.Project) {
			p.FetchedAt = time.Now().Add(-25 * time.Hour)
			p.Checks["my-job"] = "00000000-0000-0000-0000-000000000000" // would 404
		})
		proxy.reset()
		ok(t, u.exec("ping", "my-job"))
		apiCalls, pings := proxy.counts()
		assert.Positive(t, apiCalls)
		assert.Equal(t, 1, pings, "the refreshed ID was pinged, not the stale one")
		p := readCache(t, u.cacheFile()).Get(proxy.URL, job.ProjectID)
		assert.WithinDuration(t, time.Now(), p.FetchedAt, time.Minute)
		assert.Equal(t, job.PublicID, p.Checks["my-job"])
	})

	t.Run("miss refreshes once", func(t *testing.T) {
		createCheck(t, srv, "new-job")
		proxy.reset()
		ok(t, u.exec("ping", "new-job"))
		apiCalls, pings := proxy.counts()
		assert.Equal(t, 2, apiCalls, "one refresh: GET /me and GET checks")
		assert.Equal(t, 1, pings)

		proxy.reset()
		ok(t, u.exec("ping", "new-job"))
		apiCalls, _ = proxy.counts()
		assert.Zero(t, apiCalls)
	})

	t.Run("miss then not found refreshes only once", func(t *testing.T) {
		proxy.reset()
		r := u.exec("ping", "no-such-job")
		assert.Equal(t, exitNotFound, r.code)
		assert.Contains(t, r.stderr, "Check not found")
		apiCalls, pings := proxy.counts()
		assert.Equal(t, 2, apiCalls)
		assert.Zero(t, pings)
	})

	t.Run("recreated check: a 404 refreshes and pings again", func(t *testing.T) {
		old := readCache(t, u.cacheFile()).Get(proxy.URL, job.ProjectID).Checks["new-job"]
		c := srv.Client(srv.Key)
		ch, err := c.CheckBySlug(context.Background(), job.ProjectID, "new-job")
		require.NoError(t, err)
		require.NoError(t, c.DeleteCheck(context.Background(), ch.ID))
		again := createCheck(t, srv, "new-job")
		require.NotEqual(t, old, again.PublicID)
		proxy.reset()
		ok(t, u.exec("ping", "new-job"))
		_, pings := proxy.counts()
		assert.Equal(t, 2, pings)
		assert.Equal(t, again.PublicID, readCache(t, u.cacheFile()).Get(proxy.URL, job.ProjectID).Checks["new-job"])
	})

	t.Run("check sync", func(t *testing.T) {
		out := ok(t, u.exec("check", "sync"))
		assert.Contains(t, out, `Synced 2 checks of project "Test Project" to `+u.cacheFile())
	})
}

func TestCacheCorruptOrForeignIsRebuilt(t *testing.T) {
	tests := []struct{ name, content string }{
		{"garbage", "\x00\x01 not json"},
		{"truncated", `{"version":1,"projects":{"x`},
		{"other version", `{"version":7,"entries":[]}`},
		{"foreign", `{"some":"other tool"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, srv := loggedIn(t)
			job := createCheck(t, srv, "my-job")
			require.NoError(t, os.MkdirAll(filepath.Dir(u.cacheFile()), 0o700))
			require.NoError(t, os.WriteFile(u.cacheFile(), []byte(tt.content), 0o600))
			r := u.exec("ping", "my-job")
			require.Equal(t, 0, r.code, "%s", r)
			assert.Equal(t, "Pong! Check 'my-job' pinged successfully\n", r.stdout)
			assert.Contains(t, r.stderr, "warning: ignoring the slug cache")
			assert.Equal(t, job.PublicID, readCache(t, u.cacheFile()).Get(srv.URL, job.ProjectID).Checks["my-job"])
		})
	}
}

func TestCacheTwoServersNeverMix(t *testing.T) {
	u, a := loggedIn(t)
	jobA := createCheck(t, a, "my-job")
	_, b := loggedIn(t)
	jobB := createCheck(t, b, "my-job")
	onB := u.with("PAKYAS_API_URL", b.URL, "PAKYAS_API_KEY", b.Key)

	ok(t, u.exec("ping", "my-job"))
	ok(t, onB.exec("ping", "my-job", "--fail"))
	ok(t, u.exec("ping", "my-job"))
	assert.Equal(t, "success", lastSignal(t, a, jobA).Kind)
	assert.Equal(t, "fail", lastSignal(t, b, jobB).Kind)

	c := readCache(t, u.cacheFile())
	assert.Equal(t, jobA.PublicID, c.Get(a.URL, jobA.ProjectID).Checks["my-job"])
	assert.Equal(t, jobB.PublicID, c.Get(b.URL, jobB.ProjectID).Checks["my-job"])
}

func TestCacheHonoursXDGConfigHome(t *testing.T) {
	u, srv := loggedIn(t)
	createCheck(t, srv, "my-job")
	xdg := filepath.Join(u.home, "xdg")
	ok(t, u.with("XDG_CONFIG_HOME", xdg, "PAKYAS_API_KEY", srv.Key, "PAKYAS_API_URL", srv.URL, "PAKYAS_PROJECT", "test project").exec("check", "sync"))
	_, err := os.Stat(filepath.Join(xdg, "pakyas", "cache", "checks.json"))
	assert.NoError(t, err)
}
