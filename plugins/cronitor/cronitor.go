package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pakyas/pakyas/core/target"
)

// defaultEndpoint is Cronitor's Telemetry API.
const defaultEndpoint = "https://cronitor.link"

// maxMessage is the longest message Cronitor keeps, in bytes; the tail of
// the output is sent, since a job's last lines say why it failed.
const maxMessage = 2000

// cronitor speaks Cronitor's Telemetry API:
//
//	GET <endpoint>/p/<api_key>/<monitor_key>?state=run|complete|fail
//	    &series=<run id>&status_code=<exit code>&duration=<seconds>
//	    &host=<host>&message=<output tail>
//
// Parameters without a value (no exit code on start, no duration yet) are
// left out.
type cronitor struct {
	version string
	client  *http.Client

	endpoint   string // without a trailing slash
	apiKey     string
	monitorKey string
}

var (
	_ target.Target     = (*cronitor)(nil)
	_ target.Describer  = (*cronitor)(nil)
	_ target.Configurer = (*cronitor)(nil)
)

func newCronitor(version string) *cronitor {
	// No client timeout: every Send carries pakyas's deadline in its ctx.
	return &cronitor{version: version, client: &http.Client{}}
}

// Describe implements target.Describer.
func (c *cronitor) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "cronitor", Version: c.version, Schema: target.ConfigSchema{Fields: []target.Field{
		{Key: "api_key", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true, Secret: true,
			Description: "Cronitor API key (Settings → API Keys)"},
		{Key: "endpoint", Type: target.TypeString, Scope: target.ScopeGlobal,
			Description: "Telemetry API base URL (default " + defaultEndpoint + ")"},
		{Key: "monitor_key", Type: target.TypeString, Scope: target.ScopeCheck, Required: true,
			Description: "the key of the check's Cronitor monitor"},
	}}}, nil
}

// Configure implements target.Configurer.
func (c *cronitor) Configure(_ context.Context, cfg target.Config) error {
	var errs target.ConfigError
	endpoint := cfg.String("endpoint")
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	if err := checkURL(endpoint); err != nil {
		errs.Add(target.ScopeGlobal, "endpoint", err.Error())
	}
	apiKey := strings.TrimSpace(cfg.String("api_key"))
	if apiKey == "" {
		errs.Add(target.ScopeGlobal, "api_key", "is empty; set it to your Cronitor API key")
	}
	monitorKey := strings.TrimSpace(cfg.String("monitor_key"))
	if monitorKey == "" {
		errs.Add(target.ScopeCheck, "monitor_key", "is empty; set it to the key of the check's Cronitor monitor")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	c.endpoint, c.apiKey, c.monitorKey = strings.TrimRight(endpoint, "/"), apiKey, monitorKey
	return nil
}

// Send implements target.Target.
func (c *cronitor) Send(ctx context.Context, e target.Event) (target.Result, error) {
	path := "/p/" + url.PathEscape(c.apiKey) + "/" + url.PathEscape(c.monitorKey)
	u := c.endpoint + path + "?" + query(e).Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return target.Result{}, fmt.Errorf("cronitor: build request: %w", err)
	}
	req.Header.Set("User-Agent", "pakyas-target-cronitor/"+c.version)

	res, err := target.DoHTTP(c.client, req)
	var se *target.HTTPStatusError
	if errors.As(err, &se) {
		return res, fmt.Errorf("cronitor %v: %s", err, hint(se.StatusCode, e))
	}
	if err != nil {
		return res, fmt.Errorf("cronitor: %w", c.redact(err))
	}
	return res, nil
}

// query builds the Telemetry API parameters for e.
func query(e target.Event) url.Values {
	q := url.Values{"state": {state(e.Type)}}
	if e.RunID != "" {
		q.Set("series", e.RunID)
	}
	if e.ExitCode != nil {
		q.Set("status_code", strconv.Itoa(*e.ExitCode))
	}
	if e.Type != target.Start && e.Duration > 0 {
		q.Set("duration", strconv.FormatFloat(e.Duration.Seconds(), 'f', -1, 64))
	}
	if e.Host != "" {
		q.Set("host", e.Host)
	}
	if e.Output != "" {
		q.Set("message", lastBytes(e.Output, maxMessage))
	}
	return q
}

func state(t target.EventType) string {
	switch t {
	case target.Start:
		return "run"
	case target.Success:
		return "complete"
	default:
		return "fail"
	}
}

// lastBytes returns at most n bytes from the end of s, without the
// remains of a UTF-8 character cut in two.
func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	i := 0
	for i < utf8.UTFMax-1 && i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}

// redact keeps the API key, which is part of the URL, out of transport
// errors: they are shown to the user and logged.
func (c *cronitor) redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s/p/<api_key>/%s: %w", ue.Op, c.endpoint, url.PathEscape(c.monitorKey), ue.Err)
	}
	return errors.New(strings.ReplaceAll(err.Error(), url.PathEscape(c.apiKey), "<api_key>"))
}

// hint says what to check for a refused ping.
func hint(status int, e target.Event) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return "check api_key in [targets.cronitor]"
	case http.StatusNotFound:
		return fmt.Sprintf("check monitor_key in [checks.%q.targets.cronitor]", e.CheckIdentifier)
	case http.StatusTooManyRequests:
		return "rate limited by Cronitor; the ping was dropped"
	}
	return "check endpoint in [targets.cronitor]"
}

// checkURL accepts absolute http(s) URLs.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL, e.g. %s", s, defaultEndpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment: it is the base /p/<api_key>/<monitor_key> is appended to", s)
	}
	return nil
}
