package main

import (
	"time"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/monitor"
)

// publicIDFlag addresses a check by its public ID: no API key, project or
// config needed. Used by ping and monitor.
func publicIDFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "public-id",
		Aliases: []string{"public_id"},
		Usage:   "the check's public ID (UUID): pings it without an API key; empty or unset falls back to $" + monitor.PublicIDEnv,
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
// say.
func (e *env) pingClient(fv flagValues, s *settings) (*api.Client, error) {
	retries, timeout, wait := fv.Int("retries"), fv.Duration("timeout"), fv.Duration("retry-wait")
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

// checkArgs returns how ping or monitor names its check (monitor.CheckArgs):
// a slug, or a public ID. Mistakes are usage errors: they exit 2 before
// anything is sent.
func (e *env) checkArgs(fv flagValues, slug string) (string, string, error) {
	slug, id, err := monitor.CheckArgs(slug, fv.String("public-id"), e.getenv)
	if err != nil {
		return "", "", usagef("%v", err)
	}
	return slug, id, nil
}

// files opens the slug cache and the spool of the user running pakyas.
func (e *env) files() monitor.Files {
	return monitor.OpenFiles(e.getenv, &monitor.Log{W: e.stderr})
}
