package main

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/monitor"
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

// deliveryFlags set how a signal is delivered. Used by ping, monitor and
// spool flush.
func deliveryFlags(e *env) []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "retries", Value: 3, Usage: "retry a signal this many times on timeouts, connection errors, 408, 425, 429 and 5xx (never on other answers or TLS errors)", Sources: e.envInt("PAKYAS_RETRIES", "PAKYAS_RETRIES=3", 0, 100)},
		&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "timeout of one attempt", Sources: e.envDuration("PAKYAS_TIMEOUT", "PAKYAS_TIMEOUT=10s", time.Millisecond)},
		&cli.DurationFlag{Name: "retry-wait", Value: api.DefaultRetryWait, Usage: "the longest wait before the first retry; each wait is random up to a bound that doubles on every retry, up to 5s", Sources: e.envDuration("PAKYAS_RETRY_WAIT", "PAKYAS_RETRY_WAIT=250ms", 0)},
	}
}

// pingClient returns a client that delivers signals as the delivery flags
// of cmd say.
func (e *env) pingClient(cmd *cli.Command, s *settings) (*api.Client, error) {
	retries, timeout, wait := cmd.Int("retries"), cmd.Duration("timeout"), cmd.Duration("retry-wait")
	switch {
	case retries < 0 || retries > 100:
		return nil, usagef("--retries must be between 0 and 100, not %d", retries)
	case timeout <= 0:
		return nil, usagef("--timeout must be positive, e.g. --timeout 10s")
	case wait < 0:
		return nil, usagef("--retry-wait must not be negative")
	}
	c := e.client(s)
	c.HTTP = e.httpClient(s, timeout)
	c.Retries = int(retries)
	c.Backoff = api.FullJitter(wait, api.MaxRetryWait)
	return c, nil
}

// checkArgs returns how ping or monitor names its check: a slug, or a
// public ID from --public-id/--public_id (or $PAKYAS_PUBLIC_ID when the
// flag is empty or missing and no slug is given). Mistakes are usage
// errors: they exit 2 before anything is sent.
func (e *env) checkArgs(cmd *cli.Command, slug string) (string, string, error) {
	id := strings.TrimSpace(cmd.String("public-id"))
	given := id != ""
	if id == "" && slug == "" {
		id = strings.TrimSpace(e.getenv(publicIDEnv))
	}
	switch {
	case given && slug != "":
		return "", "", usagef("give the check either as a slug (%s) or with --public-id, not both", slug)
	case id != "":
		if _, err := uuid.Parse(id); err != nil {
			return "", "", usagef("invalid public ID %q: it is a UUID like 550e8400-e29b-41d4-a716-446655440000 ('pakyas check show SLUG' prints it)", id)
		}
		return "", strings.ToLower(id), nil
	case slug == "":
		return "", "", usagef("which check? give its slug, or --public-id UUID (or set %s)", publicIDEnv)
	case !core.ValidSlug(slug):
		return "", "", usagef("invalid check slug %q: a slug is 1 to 100 lowercase letters, digits, - and _ (e.g. nightly-backup)", slug)
	}
	return slug, "", nil
}

// files opens the slug cache and the spool of the user running pakyas.
func (e *env) files() monitor.Files {
	return monitor.OpenFiles(e.getenv, &monitor.Log{W: e.stderr})
}
