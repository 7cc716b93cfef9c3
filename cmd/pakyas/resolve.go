package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/cache"
	"github.com/pakyas/pakyas/core/config"
	"github.com/urfave/cli/v3"
)

// publicIDEnv is read when --public-id is not given or empty, so the
// guide's cron line `--public_id "$PAKYAS_PUBLIC_ID"` works.
const publicIDEnv = "PAKYAS_PUBLIC_ID"

// publicIDFlag addresses a check by its public ID: no API key, project or
// config needed. Used by ping and monitor.
func publicIDFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "public-id",
		Aliases: []string{"public_id"},
		Usage:   "the check's public ID (UUID): pings it without an API key; empty or unset falls back to $" + publicIDEnv,
	}
}

// Ping delivery defaults, shared by ping and monitor (README "ping").
const (
	defaultRetries   = 3
	defaultTimeout   = 10 * time.Second
	defaultRetryWait = 250 * time.Millisecond
	maxRetryWait     = 5 * time.Second
)

// deliveryFlags set how a signal is delivered: retries with backoff on
// timeouts, connection errors, 429 and 5xx, never on other 4xx. Used by
// ping and monitor.
func deliveryFlags(e *env) []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "retries", Value: defaultRetries, Usage: "retry a signal this many times on timeouts, connection errors, 429 and 5xx (never on other 4xx)", Sources: e.envInt("PAKYAS_RETRIES", "PAKYAS_RETRIES=3", 0, 100)},
		&cli.DurationFlag{Name: "timeout", Value: defaultTimeout, Usage: "timeout of one attempt", Sources: e.envDuration("PAKYAS_TIMEOUT", "PAKYAS_TIMEOUT=10s", time.Millisecond)},
		&cli.DurationFlag{Name: "retry-wait", Value: defaultRetryWait, Usage: "wait before the first retry; it doubles on each retry, up to 5s", Sources: e.envDuration("PAKYAS_RETRY_WAIT", "PAKYAS_RETRY_WAIT=250ms", 0)},
	}
}

// pingClient returns a client that delivers signals as the delivery flags
// of cmd say.
func (e *env) pingClient(cmd *cli.Command, s *settings) (*api.Client, error) {
	retries, timeout, wait := cmd.Int("retries"), cmd.Duration("timeout"), cmd.Duration("retry-wait")
	if retries < 0 || retries > 100 {
		return nil, usagef("--retries must be between 0 and 100, not %d", retries)
	}
	if timeout <= 0 {
		return nil, usagef("--timeout must be positive, e.g. --timeout 10s")
	}
	if wait < 0 {
		return nil, usagef("--retry-wait must not be negative")
	}
	c := e.client(s)
	c.HTTP = e.httpClient(s, timeout)
	c.Retries = int(retries)
	c.Backoff = func(n int) time.Duration {
		d := wait << (n - 1)
		if d > maxRetryWait || d < 0 {
			d = maxRetryWait
		}
		return d
	}
	return c, nil
}

// checkRef is a check resolved for pinging.
type checkRef struct {
	PublicID string
	// Key names the check in external_monitors.toml: the slug, or the
	// public ID when the check was given by --public-id.
	Key    string
	Slug   string // "" when given by public ID
	Cached bool   // answered from the cache without asking the server
}

// resolveCheck returns the public ID of the check a ping or monitor
// command addresses, and its external monitor key (the slug, or the public
// ID with --public-id). A public ID from --public-id/--public_id (or
// $PAKYAS_PUBLIC_ID when the flag is empty or missing) needs no API key;
// a slug is looked up in the cache, refreshed from the server once on a
// miss or when older than 24 h.
func (e *env) resolveCheck(ctx context.Context, cmd *cli.Command, slug string) (publicID, key string, err error) {
	ref, err := e.resolveCheckRef(ctx, cmd, slug, false)
	if err != nil {
		return "", "", err
	}
	return ref.PublicID, ref.Key, nil
}

func (e *env) resolveCheckRef(ctx context.Context, cmd *cli.Command, slug string, refresh bool) (*checkRef, error) {
	id := strings.TrimSpace(cmd.String("public-id"))
	flagGiven := id != ""
	if id == "" && slug == "" {
		id = strings.TrimSpace(e.getenv(publicIDEnv))
	}
	switch {
	case flagGiven && slug != "":
		return nil, usagef("give the check either as a slug (%s) or with --public-id, not both", slug)
	case id != "":
		if _, err := uuid.Parse(id); err != nil {
			return nil, usagef("invalid public ID %q: it is a UUID like 550e8400-e29b-41d4-a716-446655440000 ('pakyas check show SLUG' prints it)", id)
		}
		return &checkRef{PublicID: strings.ToLower(id), Key: id}, nil
	case slug == "":
		return nil, usagef("which check? give its slug, or --public-id UUID (or set %s)", publicIDEnv)
	}
	s, err := e.settings(cmd)
	if err != nil {
		return nil, err
	}
	r, err := e.resolver(ctx, s)
	if err != nil {
		return nil, err
	}
	res, err := r.PublicID(ctx, s.apiURL, s.org, s.project, slug, refresh)
	if errors.Is(err, cache.ErrNotFound) {
		return nil, checkNotFound(slug, res.Project.ProjectName)
	}
	if err != nil {
		return nil, err
	}
	return &checkRef{PublicID: res.PublicID, Key: slug, Slug: slug, Cached: !res.Fetched}, nil
}

func checkNotFound(slug, project string) error {
	return withCode(exitNotFound, fmt.Sprintf("Check not found: no check %q in project %q", slug, project), checkHint)
}

// openCache loads the slug cache, warning about (and then rebuilding) a
// corrupt or foreign file.
func (e *env) openCache() (*cache.Cache, error) {
	dir, err := config.ConfigDirFrom(e.getenv)
	if err != nil {
		return nil, err
	}
	c, err := cache.Load(cache.Path(dir))
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: ignoring the slug cache, it will be rebuilt: %v\n", err)
	}
	return c, nil
}

// resolver returns a cache resolver that fetches the selected project's
// checks from the server.
func (e *env) resolver(ctx context.Context, s *settings) (*cache.Resolver, error) {
	c, err := e.openCache()
	if err != nil {
		return nil, err
	}
	return &cache.Resolver{
		Cache: c,
		Fetch: func(ctx context.Context) (cache.Project, error) { return e.fetchProject(ctx, s) },
		Warn: func(err error) {
			fmt.Fprintf(e.stderr, "warning: cannot save the slug cache: %v\n", err)
		},
	}, nil
}

// fetchProject loads the selected project's checks from the server.
func (e *env) fetchProject(ctx context.Context, s *settings) (cache.Project, error) {
	c, m, err := e.me(ctx, s)
	if err != nil {
		return cache.Project{}, err
	}
	org, p, err := s.resolveProject(m)
	if err != nil {
		return cache.Project{}, err
	}
	checks, err := c.Checks(ctx, p.ID)
	if err != nil {
		return cache.Project{}, s.apiErr(err)
	}
	return projectEntry(s, org, p, checks), nil
}

func projectEntry(s *settings, org *api.Org, p *api.Project, checks []api.Check) cache.Project {
	cp := cache.Project{
		APIURL: s.apiURL, OrgID: org.ID, OrgName: org.Name, ProjectID: p.ID, ProjectName: p.Name,
		FetchedAt: time.Now(), Checks: make(map[string]string, len(checks)),
	}
	for _, ch := range checks {
		cp.Checks[ch.Slug] = ch.PublicID
	}
	return cp
}

// scope is the organization and project a check command works in.
type scope struct {
	client  *api.Client
	s       *settings
	org     *api.Org
	project *api.Project
}

func (e *env) scope(ctx context.Context, cmd *cli.Command) (*scope, error) {
	s, err := e.settings(cmd)
	if err != nil {
		return nil, err
	}
	c, m, err := e.me(ctx, s)
	if err != nil {
		return nil, err
	}
	org, p, err := s.resolveProject(m)
	if err != nil {
		return nil, err
	}
	return &scope{client: c, s: s, org: org, project: p}, nil
}

// check returns the check ref (slug, ID or public ID) in the scope's
// project, with its recent signals and timeline.
func (sc *scope) check(ctx context.Context, ref string) (*api.Check, error) {
	ch, err := sc.client.CheckBySlug(ctx, sc.project.ID, ref)
	if api.IsStatus(err, 404) {
		return nil, checkNotFound(ref, sc.project.Name)
	}
	if err != nil {
		return nil, sc.s.apiErr(err)
	}
	return ch, nil
}

// scopedCheck resolves a check command's SLUG argument in its scope: the
// common start of show, pause, resume and delete.
func (e *env) scopedCheck(ctx context.Context, cmd *cli.Command) (*scope, *api.Check, error) {
	slug, err := slugArg(cmd)
	if err != nil {
		return nil, nil, err
	}
	sc, err := e.scope(ctx, cmd)
	if err != nil {
		return nil, nil, err
	}
	ch, err := sc.check(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	return sc, ch, nil
}

// slugArg returns the single SLUG argument of a check command.
func slugArg(cmd *cli.Command) (string, error) {
	switch cmd.Args().Len() {
	case 1:
		return cmd.Args().First(), nil
	case 0:
		return "", usagef("missing check slug: e.g. 'pakyas %s my-job'", strings.TrimPrefix(cmd.FullName(), "pakyas "))
	}
	return "", usagef("too many arguments %q: give one check slug (flags may follow it)", cmd.Args().Slice())
}
