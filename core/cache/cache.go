// Package cache is the CLI's slug → public_id cache, so a ping by slug
// needs no API call. It lives in one JSON file
// ($XDG_CONFIG_HOME/pakyas/cache/checks.json) holding one entry per server
// and project: the same slug on two servers or in two projects never mixes.
//
// The cache is an optimisation only: a missing, corrupt or foreign file is
// an empty cache (Load reports it so the CLI can warn), and the next Save
// rebuilds it.
package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pakyas/pakyas/internal/atomicfile"
)

// MaxAge is how long a project's entry is used before it is refreshed.
const MaxAge = 24 * time.Hour

// Version is the file format version; a file with another version is
// rebuilt.
const Version = 2

// Dir and FileName place the cache inside the config directory.
const (
	Dir      = "cache"
	FileName = "checks.json"
)

// ErrCorrupt is wrapped by Load's error when the file exists but is not a
// cache this version of pakyas wrote. The returned Cache is empty and
// usable.
var ErrCorrupt = errors.New("cache file is corrupt or from another version")

// Project is the cached view of one project on one server.
type Project struct {
	APIURL      string            `json:"api_url"`
	OrgID       string            `json:"org_id"`
	OrgName     string            `json:"org_name"`
	OrgSlug     string            `json:"org_slug,omitempty"`
	ProjectID   string            `json:"project_id"`
	ProjectName string            `json:"project_name"`
	ProjectSlug string            `json:"project_slug,omitempty"`
	FetchedAt   time.Time         `json:"fetched_at"`
	Checks      map[string]string `json:"checks"` // slug → public_id
	// KeyID is the fingerprint of the API key the entry was fetched
	// with (config.KeyID): another key may see other projects.
	KeyID string `json:"key_id,omitempty"`
	// Default: the project was selected as the only one the key sees
	// (no project was set), so a command that sets none finds it here
	// without asking the server.
	Default bool `json:"default,omitempty"`
}

// Fresh reports whether the entry is younger than MaxAge at now. An entry
// from the future (a clock that moved back) is not fresh.
func (p *Project) Fresh(now time.Time) bool {
	age := now.Sub(p.FetchedAt)
	return age >= 0 && age < MaxAge
}

// file is the JSON document on disk.
type file struct {
	Version  int                 `json:"version"`
	Projects map[string]*Project `json:"projects"`
}

// Cache is the loaded cache file. It is not safe for concurrent use; two
// processes writing at once lose one update, never the file.
type Cache struct {
	path string
	f    file
}

// Key returns the entry key of a project on a server.
func Key(apiURL, projectID string) string {
	return NormalizeURL(apiURL) + " " + projectID
}

// NormalizeURL makes equal server URLs compare equal: no trailing slash,
// lowercase scheme and host.
func NormalizeURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	if scheme, rest, ok := strings.Cut(u, "://"); ok {
		host, path, _ := strings.Cut(rest, "/")
		u = strings.ToLower(scheme) + "://" + strings.ToLower(host)
		if path != "" {
			u += "/" + path
		}
	}
	return u
}

// Path returns the cache file's path inside a config directory.
func Path(configDir string) string { return filepath.Join(configDir, Dir, FileName) }

// Load reads the cache at path. A missing file gives an empty cache and no
// error. A file that cannot be parsed or has another version gives an
// empty cache and an error wrapping ErrCorrupt: warn and go on.
func Load(path string) (*Cache, error) {
	c := &Cache{path: path, f: file{Version: Version, Projects: map[string]*Project{}}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read cache %s: %w", path, err)
	}
	return parse(path, b)
}

// parse reads the cache document b, read from path.
func parse(path string, b []byte) (*Cache, error) {
	c := &Cache{path: path, f: file{Version: Version, Projects: map[string]*Project{}}}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return c, fmt.Errorf("%s: %w: %v", path, ErrCorrupt, err)
	}
	if f.Version != Version {
		return c, fmt.Errorf("%s: %w: version %d, want %d", path, ErrCorrupt, f.Version, Version)
	}
	for k, p := range f.Projects {
		if p == nil || p.ProjectID == "" || k != Key(p.APIURL, p.ProjectID) {
			return c, fmt.Errorf("%s: %w: bad entry %q", path, ErrCorrupt, k)
		}
		if p.Checks == nil {
			p.Checks = map[string]string{}
		}
	}
	if f.Projects != nil {
		c.f.Projects = f.Projects
	}
	return c, nil
}

// Path returns the file the cache is loaded from and saved to.
func (c *Cache) Path() string { return c.path }

// Get returns the entry of a project on a server, or nil.
func (c *Cache) Get(apiURL, projectID string) *Project {
	return c.f.Projects[Key(apiURL, projectID)]
}

// Find returns the entry on a server for the selection a command makes:
// the project matching project (its ID, its slug, or its name
// case-insensitively, as the server selects) and, when org is not empty,
// whose organization matches org (ID, slug or name);
// with project empty, the entry that was the only project of the key
// keyID (another key may see other projects). It returns nil unless
// exactly one entry matches, so an ambiguous name is resolved by the
// server.
func (c *Cache) Find(apiURL, org, project, keyID string) *Project {
	u := NormalizeURL(apiURL)
	var found *Project
	for _, p := range c.f.Projects {
		switch {
		case NormalizeURL(p.APIURL) != u,
			project == "" && (!p.Default || keyID == "" || p.KeyID != keyID),
			project != "" && !matches(project, p.ProjectID, p.ProjectSlug, p.ProjectName),
			org != "" && !matches(org, p.OrgID, p.OrgSlug, p.OrgName):
			continue
		}
		if found != nil {
			return nil
		}
		found = p
	}
	return found
}

func matches(sel, id, slug, name string) bool {
	sel = strings.TrimSpace(sel)
	return sel == id || (slug != "" && sel == slug) || strings.EqualFold(sel, name)
}

// Put replaces the entry of p's project on p's server.
func (c *Cache) Put(p Project) {
	if p.Checks == nil {
		p.Checks = map[string]string{}
	}
	p.APIURL = NormalizeURL(p.APIURL)
	c.f.Projects[Key(p.APIURL, p.ProjectID)] = &p
}

// Save writes the cache atomically (temporary file and rename) with mode
// 0600, creating its directory with mode 0700.
func (c *Cache) Save() error {
	b, err := json.MarshalIndent(c.f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cache: %w", err)
	}
	return atomicfile.Write(c.path, append(b, '\n'), 0o600)
}
