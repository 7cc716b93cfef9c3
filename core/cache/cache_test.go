package cache

import (
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

func TestFind(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), FileName))
	require.NoError(t, err)
	a := project(urlA, "p1", "Production", nil)
	b := project(urlA, "p2", "Production", nil)
	b.OrgID, b.OrgName, b.OrgSlug, b.ProjectSlug = "org-2", "Company B", "company-b", "production-b"
	d := project(urlA, "p3", "Only", nil)
	d.KeyID, d.Default = "key-d", true
	c.Put(a)
	c.Put(b)
	c.Put(d)
	tests := []struct {
		name, url, org, project, key, want string
	}{
		{"ambiguous name", urlA, "", "production", "", ""},
		{"org by name", urlA, "company b", "Production", "", "p2"},
		{"org by id", urlA, "org-1", "Production", "", "p1"},
		{"project by id", urlA, "", "p2", "", "p2"},
		{"project by slug (pakyas project create prints it)", urlA, "", "production-b", "", "p2"},
		{"org by slug", urlA, "company-b", "Production", "", "p2"},
		{"url with slash", urlA + "/", "", "p1", "", "p1"},
		{"other server", urlB, "", "p1", "", ""},
		{"no project, no default", urlA, "org-1", "", "", ""},
		{"no project: the key's only project", urlA, "", "", "key-d", "p3"},
		{"no project: another key's", urlA, "", "", "key-x", ""},
		{"a named project, fetched with another key", urlA, "", "Only", "key-x", "p3"},
		{"fetched with this key", urlA, "", "only", "key-d", "p3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.Find(tt.url, tt.org, tt.project, tt.key)
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
		{"truncated", `{"version":2,"projects":{`},
		{"version 1", `{"version":1,"projects":{}}`},
		{"other version", `{"version":99,"projects":{}}`},
		{"foreign json", `["a","b"]`},
		{"bad key", `{"version":2,"projects":{"x":{"api_url":"http://a","project_id":"p"}}}`},
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
			assert.Nil(t, c.Find(urlA, "", "Production", ""))
			c.Put(project(urlA, "p1", "Production", map[string]string{"a": "pub-a"}))
			require.NoError(t, c.Save())
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
