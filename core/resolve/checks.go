package resolve

import (
	"context"
	"fmt"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/cache"
	"github.com/pakyas/pakyas/core/config"
)

// Ref is a check resolved for pinging.
type Ref struct {
	PublicID string
	Slug     string
	Project  string // the project's name, when known
	// Cached: the answer came from the cache without asking the server.
	Cached bool
	// Stale: the cache entry was due for a refresh, the server could not
	// be reached, and its public ID was used anyway.
	Stale bool
}

// Checks resolves slugs in the project a command selects, through the
// slug cache: a fresh cache entry that holds the slug answers without a
// request; a stale or missing entry, a miss or a forced refresh fetch the
// project's checks once and save them. When the server cannot be reached,
// a stale entry's public ID is used (with a warning); with none, Resolve
// returns the transient error (api.Retryable) so the caller can keep the
// signal by slug.
type Checks struct {
	Cache  *cache.Cache // nil: no cache file (no home directory)
	APIURL string
	// Org and Project are the command's selection; KeyID the fingerprint
	// of its API key (config.KeyID).
	Org, Project config.Setting
	KeyID        string
	// Fetch loads the selected project's checks from the server (see
	// Fetcher); nil when there is no API key: only the cache answers.
	Fetch func(ctx context.Context) (cache.Project, error)
	Now   func() time.Time
	// Warn, if set, is told what went wrong without failing the lookup:
	// the cache could not be saved, or a stale entry was used.
	Warn func(msg string)
}

// Fetcher returns a Checks.Fetch that asks the server with c: the
// organizations and projects the key sees (GET /me), the project org and
// project select, then its checks. Its errors are explained (api.Explain).
func Fetcher(c *api.Client, org, project config.Setting) func(ctx context.Context) (cache.Project, error) {
	return func(ctx context.Context) (cache.Project, error) {
		m, err := c.Me(ctx)
		if err != nil {
			return cache.Project{}, api.Explain(c.BaseURL, err)
		}
		o, p, err := Select(m, org, project)
		if err != nil {
			return cache.Project{}, err
		}
		checks, err := c.Checks(ctx, p.ID)
		if err != nil {
			return cache.Project{}, api.Explain(c.BaseURL, err)
		}
		return entryOf(o, p, checks), nil
	}
}

func entryOf(o *api.Org, p *api.Project, checks []api.Check) cache.Project {
	entry := cache.Project{OrgID: o.ID, OrgName: o.Name, OrgSlug: o.Slug, ProjectID: p.ID, ProjectName: p.Name, ProjectSlug: p.Slug,
		Checks: make(map[string]string, len(checks))}
	for _, ch := range checks {
		entry.Checks[ch.Slug] = ch.PublicID
	}
	return entry
}

func (c *Checks) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checks) warn(format string, args ...any) {
	if c.Warn != nil {
		c.Warn(fmt.Sprintf(format, args...))
	}
}

// cached returns the cache entry of the selection, or nil.
func (c *Checks) cached() *cache.Project {
	if c.Cache == nil {
		return nil
	}
	return c.Cache.Find(c.APIURL, c.Org.Value, c.Project.Value, c.KeyID)
}

// Resolve returns the public ID of slug. refresh asks the server even
// when the cache is fresh (the server said the cached public ID is
// unknown). Errors: a *core.Error with ENOTFOUND when the project has no
// such check, the explained error of the server otherwise; an error for
// which api.Retryable holds means the server could not be reached and
// nothing was cached.
func (c *Checks) Resolve(ctx context.Context, slug string, refresh bool) (Ref, error) {
	entry := c.cached()
	if entry != nil && !refresh && entry.Fresh(c.now()) {
		if id, ok := entry.Checks[slug]; ok {
			return Ref{PublicID: id, Slug: slug, Project: entry.ProjectName, Cached: true}, nil
		}
	}
	if c.Fetch == nil {
		if entry != nil && entry.Checks[slug] != "" && !refresh {
			c.warn("no API key to refresh the slug cache; using the cached public ID of %q", slug)
			return Ref{PublicID: entry.Checks[slug], Slug: slug, Project: entry.ProjectName, Cached: true, Stale: true}, nil
		}
		return Ref{}, &core.Error{Code: core.EUNAUTHORIZED,
			Message: fmt.Sprintf("Not logged in: an API key is needed to look up the check %q", slug),
			Hint:    api.LoginHint + "\nor give the check's public ID: --public-id UUID (no key needed)"}
	}
	p, err := c.Sync(ctx)
	if err != nil {
		if api.Retryable(err) && entry != nil && entry.Checks[slug] != "" && !refresh {
			c.warn("cannot refresh the slug cache (%v); using the cached public ID of %q", core.ErrorText(err), slug)
			return Ref{PublicID: entry.Checks[slug], Slug: slug, Project: entry.ProjectName, Cached: true, Stale: true}, nil
		}
		return Ref{}, err
	}
	id, ok := p.Checks[slug]
	if !ok {
		return Ref{}, NotFound(slug, p.ProjectName)
	}
	return Ref{PublicID: id, Slug: slug, Project: p.ProjectName}, nil
}

// Sync fetches the selected project's checks and saves them in the cache
// (`pakyas check sync`); a cache that cannot be saved is only a warning.
func (c *Checks) Sync(ctx context.Context) (cache.Project, error) {
	if c.Fetch == nil {
		return cache.Project{}, &core.Error{Code: core.EUNAUTHORIZED, Message: "Not logged in: no API key", Hint: api.LoginHint}
	}
	p, err := c.Fetch(ctx)
	if err != nil {
		return p, err
	}
	if err := c.put(&p); err != nil {
		c.warn("cannot save the slug cache: %v", err)
	}
	return p, nil
}

// Store saves the checks of the selected project o/p, which the caller
// fetched anyway (`pakyas check list`), as its cache entry.
func (c *Checks) Store(o *api.Org, p *api.Project, checks []api.Check) (cache.Project, error) {
	entry := entryOf(o, p, checks)
	return entry, c.put(&entry)
}

func (c *Checks) put(p *cache.Project) error {
	p.APIURL, p.FetchedAt, p.KeyID = c.APIURL, c.now(), c.KeyID
	p.Default = c.Project.Value == ""
	if c.Cache == nil {
		return nil
	}
	c.Cache.Put(*p)
	return c.Cache.Save()
}

// NotFound is the error of a slug the project does not have.
func NotFound(slug, project string) error {
	return &core.Error{Code: core.ENOTFOUND, Message: fmt.Sprintf("Check not found: no check %q in project %q", slug, project), Hint: CheckHint}
}

// Edit changes the cached checks (slug → public ID) of the project with
// ID projectID, if it is cached, and saves the cache: a check was created,
// renamed or deleted.
func (c *Checks) Edit(projectID string, fn func(checks map[string]string)) error {
	if c.Cache == nil {
		return nil
	}
	p := c.Cache.Get(c.APIURL, projectID)
	if p == nil {
		return nil
	}
	fn(p.Checks)
	return c.Cache.Save()
}
