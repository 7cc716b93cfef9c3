package cache

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Resolver.PublicID when the slug is not in the
// project even after a refresh from the server.
var ErrNotFound = errors.New("check not found")

// Resolver turns slugs into public IDs, from the cache while it is fresh
// and from the server (once per call at most) when it is stale or misses.
type Resolver struct {
	Cache *Cache
	Now   func() time.Time
	// Fetch loads the current checks of the project the caller means from
	// the server. It is called at most once per PublicID call.
	Fetch func(ctx context.Context) (Project, error)
	// Warn, if set, is told about a cache file that could not be saved;
	// the lookup still succeeds.
	Warn func(error)
}

// Result says how PublicID found its answer.
type Result struct {
	PublicID string
	Project  *Project // the entry the answer came from
	Fetched  bool     // the server was asked (stale, missing or a miss)
}

// PublicID returns the public ID of slug in the project selected by org
// and project (names or IDs, as config and flags hold them) on apiURL. A
// fresh cache entry holding the slug answers without calling Fetch; a
// stale or missing entry, or a miss, calls Fetch once and saves the
// result. refresh forces the call (e.g. after the server said the cached
// public ID is unknown). It returns ErrNotFound (with the fetched
// project) when the server does not know the slug either.
func (r *Resolver) PublicID(ctx context.Context, apiURL, org, project, slug string, refresh bool) (Result, error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	if p := r.Cache.Find(apiURL, org, project); p != nil && p.Fresh(now) && !refresh {
		if id, ok := p.Checks[slug]; ok {
			return Result{PublicID: id, Project: p}, nil
		}
	}
	p, err := r.Fetch(ctx)
	if err != nil {
		return Result{Fetched: true}, err
	}
	p.FetchedAt = now
	p.APIURL = apiURL
	r.Cache.Put(p)
	if err := r.Cache.Save(); err != nil && r.Warn != nil {
		r.Warn(err)
	}
	stored := r.Cache.Get(apiURL, p.ProjectID)
	id, ok := stored.Checks[slug]
	if !ok {
		return Result{Project: stored, Fetched: true}, ErrNotFound
	}
	return Result{PublicID: id, Project: stored, Fetched: true}, nil
}
