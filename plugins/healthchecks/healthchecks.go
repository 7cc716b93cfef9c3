package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pakyas/pakyas/core/target"
)

// defaultEndpoint is healthchecks.io's ping API.
const defaultEndpoint = "https://hc-ping.com"

// healthchecks speaks the Healthchecks ping API:
//
//	start    POST <endpoint>/<uuid>/start
//	success  POST <endpoint>/<uuid>
//	fail     POST <endpoint>/<uuid>/<exit code>, or <endpoint>/<uuid>/fail
//	         when the failure has no exit code in 1..255
//
// each with ?rid=<run id> and the output tail as the body.
type healthchecks struct {
	version string
	client  *http.Client

	endpoint string // without a trailing slash
	uuid     string
}

var (
	_ target.Target     = (*healthchecks)(nil)
	_ target.Describer  = (*healthchecks)(nil)
	_ target.Configurer = (*healthchecks)(nil)
)

func newHealthchecks(version string) *healthchecks {
	// No client timeout: every Send carries pakyas's deadline in its ctx.
	return &healthchecks{version: version, client: &http.Client{}}
}

// Describe implements target.Describer.
func (h *healthchecks) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "healthchecks", Version: h.version, Schema: target.ConfigSchema{Fields: []target.Field{
		{Key: "endpoint", Type: target.TypeString, Scope: target.ScopeGlobal,
			Description: "ping API base URL (default " + defaultEndpoint + "; your instance's for self-hosted Healthchecks)"},
		{Key: "uuid", Type: target.TypeString, Scope: target.ScopeCheck, Required: true,
			Description: "the check's UUID, the last part of its ping URL"},
	}}}, nil
}

// Configure implements target.Configurer.
func (h *healthchecks) Configure(_ context.Context, c target.Config) error {
	var errs target.ConfigError
	endpoint := c.String("endpoint")
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	if err := checkURL(endpoint); err != nil {
		errs.Add(target.ScopeGlobal, "endpoint", err.Error())
	}
	uuid := strings.TrimSpace(c.String("uuid"))
	if !isUUID(uuid) {
		errs.Add(target.ScopeCheck, "uuid", fmt.Sprintf("%q is not a UUID; copy it from the check's ping URL, e.g. 550e8400-e29b-41d4-a716-446655440000", uuid))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	h.endpoint, h.uuid = strings.TrimRight(endpoint, "/"), strings.ToLower(uuid)
	return nil
}

// Send implements target.Target.
func (h *healthchecks) Send(ctx context.Context, e target.Event) (target.Result, error) {
	u := h.endpoint + "/" + h.uuid + pingSuffix(e)
	if e.RunID != "" {
		u += "?" + url.Values{"rid": {e.RunID}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(e.Output))
	if err != nil {
		return target.Result{}, fmt.Errorf("healthchecks: build request: %w", err)
	}
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("User-Agent", "pakyas-target-healthchecks/"+h.version)

	res, err := target.DoHTTP(h.client, req)
	var se *target.HTTPStatusError
	if errors.As(err, &se) {
		return res, fmt.Errorf("healthchecks %v: %s", err, h.hint(se.StatusCode, e))
	}
	if err != nil {
		return res, fmt.Errorf("healthchecks: %w", err)
	}
	return res, nil
}

// pingSuffix is the path after <uuid> for e's type.
func pingSuffix(e target.Event) string {
	switch e.Type {
	case target.Start:
		return "/start"
	case target.Success:
		return ""
	}
	// The API takes exit codes 0..255, and 0 means success: a failure
	// without a usable code is a plain /fail.
	if e.ExitCode != nil && *e.ExitCode >= 1 && *e.ExitCode <= 255 {
		return "/" + strconv.Itoa(*e.ExitCode)
	}
	return "/fail"
}

// hint says what to check for a refused ping.
func (h *healthchecks) hint(status int, e target.Event) string {
	switch status {
	case http.StatusNotFound:
		return fmt.Sprintf("no check with this uuid; check uuid in [checks.%q.targets.healthchecks]", e.CheckIdentifier)
	case http.StatusBadRequest:
		return fmt.Sprintf("the ping URL was refused; check uuid in [checks.%q.targets.healthchecks] and endpoint in [targets.healthchecks]", e.CheckIdentifier)
	case http.StatusTooManyRequests:
		return "rate limited by Healthchecks; the ping was dropped"
	}
	return "check endpoint in [targets.healthchecks]"
}

// checkURL accepts absolute http(s) URLs.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL, e.g. %s", s, defaultEndpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment: it is the base the UUID is appended to", s)
	}
	return nil
}

// isUUID reports whether s has the 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}
