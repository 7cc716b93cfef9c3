package cache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)

const (
	urlA = "http://127.0.0.1:8484"
	urlB = "http://127.0.0.1:9000"
)

func project(url, id, name string, checks map[string]string) Project {
	return Project{APIURL: url, OrgID: "org-1", OrgName: "My Company", ProjectID: id, ProjectName: name, FetchedAt: t0, Checks: checks}
}

// fetcher counts its calls and returns the project it holds.
type fetcher struct {
	calls int
	p     Project
	err   error
}

func (f *fetcher) fetch(context.Context) (Project, error) {
	f.calls++
	return f.p, f.err
}

func TestResolver(t *testing.T) {
	prod := project(urlA, "p1", "Production", map[string]string{"backup": "pub-1"})
	tests := []struct {
		name      string
		cached    []Project
		server    Project
		now       time.Time
		slug      string
		refresh   bool
		wantID    string
		wantErr   error
		wantCalls int
	}{
		{"hit needs no API call", []Project{prod}, prod, t0.Add(time.Hour), "backup", false, "pub-1", nil, 0},
		{"name matches case-insensitively", []Project{prod}, prod, t0.Add(time.Hour), "backup", false, "pub-1", nil, 0},
		{"stale after 24h refreshes", []Project{prod}, project(urlA, "p1", "Production", map[string]string{"backup": "pub-new"}), t0.Add(MaxAge + time.Second), "backup", false, "pub-new", nil, 1},
		{"miss refreshes once then finds", []Project{prod}, project(urlA, "p1", "Production", map[string]string{"backup": "pub-1", "sync": "pub-2"}), t0.Add(time.Hour), "sync", false, "pub-2", nil, 1},
		{"miss refreshes once then not found", []Project{prod}, prod, t0.Add(time.Hour), "nope", false, "", ErrNotFound, 1},
		{"empty cache fetches", nil, prod, t0, "backup", false, "pub-1", nil, 1},
		{"other server never mixes", []Project{project(urlB, "p9", "Production", map[string]string{"backup": "pub-B"})}, prod, t0, "backup", false, "pub-1", nil, 1},
		{"forced refresh", []Project{prod}, project(urlA, "p1", "Production", map[string]string{"backup": "pub-3"}), t0, "backup", true, "pub-3", nil, 1},
		{"clock moved back refreshes", []Project{prod}, prod, t0.Add(-time.Hour), "backup", false, "pub-1", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), Dir, FileName)
			c, err := Load(path)
			require.NoError(t, err)
			for _, p := range tt.cached {
				c.Put(p)
			}
			f := &fetcher{p: tt.server}
			r := &Resolver{Cache: c, Now: func() time.Time { return tt.now }, Fetch: f.fetch}
			res, err := r.PublicID(context.Background(), urlA, "", "production", tt.slug, tt.refresh)
			assert.Equal(t, tt.wantCalls, f.calls)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantID, res.PublicID)
			assert.Equal(t, tt.wantCalls > 0, res.Fetched)
			if tt.wantCalls > 0 {
				// The refresh was saved: a new process hits without a call.
				c2, err := Load(path)
				require.NoError(t, err)
				f2 := &fetcher{}
				r2 := &Resolver{Cache: c2, Now: func() time.Time { return tt.now }, Fetch: f2.fetch}
				if tt.now.Before(t0) {
					return
				}
				res2, err := r2.PublicID(context.Background(), urlA, "", "Production", tt.slug, false)
				require.NoError(t, err)
				assert.Equal(t, tt.wantID, res2.PublicID)
				assert.Zero(t, f2.calls)
			}
		})
	}
}

func TestResolverFetchError(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), FileName))
	require.NoError(t, err)
	boom := errors.New("connection refused")
	r := &Resolver{Cache: c, Fetch: (&fetcher{err: boom}).fetch}
	_, err = r.PublicID(context.Background(), urlA, "", "p", "x", false)
	assert.ErrorIs(t, err, boom)
}

func TestFind(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), FileName))
	require.NoError(t, err)
	a := project(urlA, "p1", "Production", nil)
	b := project(urlA, "p2", "Production", nil)
	b.OrgID, b.OrgName = "org-2", "Company B"
	c.Put(a)
	c.Put(b)
	tests := []struct {
		name, url, org, project, want string
	}{
		{"ambiguous name", urlA, "", "production", ""},
		{"org by name", urlA, "company b", "Production", "p2"},
		{"org by id", urlA, "org-1", "Production", "p1"},
		{"project by id", urlA, "", "p2", "p2"},
		{"url with slash", urlA + "/", "", "p1", "p1"},
		{"other server", urlB, "", "p1", ""},
		{"no project", urlA, "org-1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.Find(tt.url, tt.org, tt.project)
			if tt.want == "" {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Equal(t, tt.want, p.ProjectID)
		})
	}
}

func TestLoadCorruptOrForeign(t *testing.T) {
	tests := []struct{ name, content string }{
		{"garbage", "{not json"},
		{"truncated", `{"version":1,"projects":{`},
		{"other version", `{"version":99,"projects":{}}`},
		{"foreign json", `["a","b"]`},
		{"bad key", `{"version":1,"projects":{"x":{"api_url":"http://a","project_id":"p"}}}`},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o600))
			c, err := Load(path)
			require.ErrorIs(t, err, ErrCorrupt)
			require.NotNil(t, c)
			// The empty cache works and rebuilds the file.
			f := &fetcher{p: project(urlA, "p1", "Production", map[string]string{"a": "pub-a"})}
			r := &Resolver{Cache: c, Now: func() time.Time { return t0 }, Fetch: f.fetch}
			res, err := r.PublicID(context.Background(), urlA, "", "Production", "a", false)
			require.NoError(t, err)
			assert.Equal(t, "pub-a", res.PublicID)
			c2, err := Load(path)
			require.NoError(t, err)
			assert.NotNil(t, c2.Get(urlA, "p1"))
		})
	}
}

func TestSaveAtomicAndPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pakyas", Dir)
	path := filepath.Join(dir, FileName)
	c, err := Load(path)
	require.NoError(t, err)
	c.Put(project(urlA, "p1", "Production", map[string]string{"a": "b"}))
	require.NoError(t, c.Save())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary files left")
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
}

func TestNormalizeURL(t *testing.T) {
	assert.Equal(t, "http://127.0.0.1:8484", NormalizeURL("HTTP://127.0.0.1:8484/"))
	assert.Equal(t, "https://example.com/pakyas", NormalizeURL("https://EXAMPLE.com/pakyas/"))
	assert.Equal(t, Key("http://a/", "p"), Key("http://A", "p"))
}
