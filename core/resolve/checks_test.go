package resolve

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/cache"
	"github.com/pakyas/pakyas/core/config"
)

var t0 = time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)

const (
	urlA = "http://127.0.0.1:8484"
	urlB = "http://127.0.0.1:9000"
	key  = "0123456789abcdef"
)

func entry(url, id, name string, checks map[string]string) cache.Project {
	return cache.Project{APIURL: url, OrgID: "org-1", OrgName: "My Company", ProjectID: id, ProjectName: name,
		FetchedAt: t0, Checks: checks, KeyID: key}
}

// fetcher counts its calls and returns the project it holds.
type fetcher struct {
	calls int
	p     cache.Project
	err   error
}

func (f *fetcher) fetch(context.Context) (cache.Project, error) {
	f.calls++
	return f.p, f.err
}

var refused = api.Explain(urlA, &url.Error{Op: "Get", URL: urlA + "/api/v1/me", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}})

func setting(v string, src config.Source) config.Setting {
	return config.Setting{Value: v, Source: src}
}

func TestResolve(t *testing.T) {
	prod := entry(urlA, "p1", "Production", map[string]string{"backup": "pub-1"})
	prod.ProjectSlug = "prod-eu"
	tests := []struct {
		name      string
		cached    []cache.Project
		project   string // the selection ("" none)
		server    cache.Project
		fetchErr  error
		now       time.Time
		slug      string
		refresh   bool
		want      Ref
		wantCode  string
		wantCalls int
	}{
		{"hit needs no API call", []cache.Project{prod}, "production", prod, nil, t0.Add(time.Hour), "backup", false,
			Ref{PublicID: "pub-1", Slug: "backup", Project: "Production", Cached: true}, "", 0},
		{"hit by the project's slug needs no API call", []cache.Project{prod}, "prod-eu", prod, nil, t0.Add(time.Hour), "backup", false,
			Ref{PublicID: "pub-1", Slug: "backup", Project: "Production", Cached: true}, "", 0},
		{"stale after 24h refreshes", []cache.Project{prod}, "Production", entry(urlA, "p1", "Production", map[string]string{"backup": "pub-new"}), nil, t0.Add(cache.MaxAge + time.Second), "backup", false,
			Ref{PublicID: "pub-new", Slug: "backup", Project: "Production"}, "", 1},
		{"miss refreshes once then finds", []cache.Project{prod}, "Production", entry(urlA, "p1", "Production", map[string]string{"backup": "pub-1", "sync": "pub-2"}), nil, t0.Add(time.Hour), "sync", false,
			Ref{PublicID: "pub-2", Slug: "sync", Project: "Production"}, "", 1},
		{"miss refreshes once then not found", []cache.Project{prod}, "Production", prod, nil, t0.Add(time.Hour), "nope", false,
			Ref{}, core.ENOTFOUND, 1},
		{"empty cache fetches", nil, "Production", prod, nil, t0, "backup", false,
			Ref{PublicID: "pub-1", Slug: "backup", Project: "Production"}, "", 1},
		{"other server never mixes", []cache.Project{entry(urlB, "p9", "Production", map[string]string{"backup": "pub-B"})}, "Production", prod, nil, t0, "backup", false,
			Ref{PublicID: "pub-1", Slug: "backup", Project: "Production"}, "", 1},
		{"forced refresh", []cache.Project{prod}, "Production", entry(urlA, "p1", "Production", map[string]string{"backup": "pub-3"}), nil, t0, "backup", true,
			Ref{PublicID: "pub-3", Slug: "backup", Project: "Production"}, "", 1},
		{"clock moved back refreshes", []cache.Project{prod}, "Production", prod, nil, t0.Add(-time.Hour), "backup", false,
			Ref{PublicID: "pub-1", Slug: "backup", Project: "Production"}, "", 1},
		{"server down: a stale entry answers", []cache.Project{prod}, "Production", prod, refused, t0.Add(cache.MaxAge + time.Hour), "backup", false,
			Ref{PublicID: "pub-1", Slug: "backup", Project: "Production", Cached: true, Stale: true}, "", 1},
		{"server down, nothing cached", nil, "Production", prod, refused, t0, "backup", false,
			Ref{}, core.EUNAVAILABLE, 1},
		{"server down, slug not cached", []cache.Project{prod}, "Production", prod, refused, t0.Add(time.Hour), "sync", false,
			Ref{}, core.EUNAVAILABLE, 1},
		{"key refused: no stale answer", []cache.Project{prod}, "Production", prod, &core.Error{Code: core.EUNAUTHORIZED, Message: "refused"}, t0.Add(cache.MaxAge + time.Hour), "backup", false,
			Ref{}, core.EUNAUTHORIZED, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), cache.Dir, cache.FileName)
			c, err := cache.Load(path)
			require.NoError(t, err)
			for _, p := range tt.cached {
				c.Put(p)
			}
			f := &fetcher{p: tt.server, err: tt.fetchErr}
			var warnings []string
			r := &Checks{Cache: c, APIURL: urlA, Project: setting(tt.project, config.FromEnv), KeyID: key,
				Fetch: f.fetch, Now: func() time.Time { return tt.now }, Warn: func(m string) { warnings = append(warnings, m) }}
			ref, err := r.Resolve(context.Background(), tt.slug, tt.refresh)
			assert.Equal(t, tt.wantCalls, f.calls, "requests to the server")
			if tt.wantCode != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantCode, core.ErrorCode(err), "%v", err)
				assert.Equal(t, tt.wantCode == core.EUNAVAILABLE, api.Retryable(err), "only an unreachable server is worth keeping the signal for")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, ref)
			assert.Equal(t, tt.want.Stale, len(warnings) == 1, "a stale answer is warned about: %q", warnings)
			if tt.wantCalls > 0 && tt.fetchErr == nil && !tt.now.Before(t0) {
				// The refresh was saved: a new process hits without a call.
				c2, err := cache.Load(path)
				require.NoError(t, err)
				f2 := &fetcher{}
				r2 := &Checks{Cache: c2, APIURL: urlA, Project: setting("Production", config.FromFile), KeyID: key, Fetch: f2.fetch, Now: func() time.Time { return tt.now }}
				ref2, err := r2.Resolve(context.Background(), tt.slug, false)
				require.NoError(t, err)
				assert.Equal(t, tt.want.PublicID, ref2.PublicID)
				assert.Zero(t, f2.calls)
			}
		})
	}
}

// TestResolveWithoutProject: a key with one project, no project set (the
// user guide's cron line with PAKYAS_API_KEY only): after one fetch the
// cache answers, and serves a stale answer when the server is down.
func TestResolveWithoutProject(t *testing.T) {
	c, err := cache.Load(filepath.Join(t.TempDir(), cache.FileName))
	require.NoError(t, err)
	f := &fetcher{p: entry(urlA, "p1", "Only", map[string]string{"backup": "pub-1"})}
	now := t0
	r := &Checks{Cache: c, APIURL: urlA, KeyID: key, Fetch: f.fetch, Now: func() time.Time { return now }}
	ref, err := r.Resolve(context.Background(), "backup", false)
	require.NoError(t, err)
	assert.Equal(t, "pub-1", ref.PublicID)
	assert.Equal(t, 1, f.calls)

	ref, err = r.Resolve(context.Background(), "backup", false)
	require.NoError(t, err)
	assert.True(t, ref.Cached)
	assert.Equal(t, 1, f.calls, "the cache answers for the key's only project")

	now, f.err = t0.Add(48*time.Hour), refused
	ref, err = r.Resolve(context.Background(), "backup", false)
	require.NoError(t, err)
	assert.True(t, ref.Stale)

	other := &Checks{Cache: c, APIURL: urlA, KeyID: "another-key", Fetch: (&fetcher{err: refused}).fetch, Now: func() time.Time { return t0 }}
	_, err = other.Resolve(context.Background(), "backup", false)
	assert.Equal(t, core.EUNAVAILABLE, core.ErrorCode(err), "another key's entry is not used")
}

func TestResolveWithoutKey(t *testing.T) {
	c, err := cache.Load(filepath.Join(t.TempDir(), cache.FileName))
	require.NoError(t, err)
	r := &Checks{Cache: c, APIURL: urlA, Project: setting("Production", config.FromFlag), Now: func() time.Time { return t0 }}
	_, err = r.Resolve(context.Background(), "backup", false)
	assert.Equal(t, core.EUNAUTHORIZED, core.ErrorCode(err))
	assert.Contains(t, core.ErrorHint(err), "--public-id")

	p := entry(urlA, "p1", "Production", map[string]string{"backup": "pub-1"})
	p.KeyID = ""
	c.Put(p)
	ref, err := r.Resolve(context.Background(), "backup", false)
	require.NoError(t, err)
	assert.Equal(t, "pub-1", ref.PublicID, "the cache still answers without a key")
}
