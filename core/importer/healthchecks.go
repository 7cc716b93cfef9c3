package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pakyas/pakyas/core"
)

// DefaultHealthchecksURL is healthchecks.io; a self-hosted Healthchecks
// has its own.
const DefaultHealthchecksURL = "https://healthchecks.io"

// hcCheck is a check as Healthchecks' Management API v3 lists it.
type hcCheck struct {
	Name      string `json:"name"`
	Slug      string `json:"slug"`
	Tags      string `json:"tags"`
	Desc      string `json:"desc"`
	Grace     int64  `json:"grace"`
	Status    string `json:"status"`
	PingURL   string `json:"ping_url"`   // absent with a read-only key
	Timeout   *int64 `json:"timeout"`    // simple checks
	Kind      string `json:"kind"`       // simple, cron or oncalendar, where given
	Schedule  string `json:"schedule"`   // cron and OnCalendar checks
	TZ        string `json:"tz"`         // cron and OnCalendar checks
	UniqueKey string `json:"unique_key"` // read-only keys only
}

// FetchHealthchecks reads every check of the Healthchecks project the key
// belongs to (GET <baseURL>/api/v3/checks/ with X-Api-Key) and returns them
// as candidates. A 429 is retried after its Retry-After (at most 3 times).
func FetchHealthchecks(ctx context.Context, hc *http.Client, baseURL, key string) ([]Candidate, error) {
	base := strings.TrimRight(baseURL, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, core.Errorf(core.EINVALID, "invalid --api-url %q: want the Healthchecks site, e.g. %s", baseURL, DefaultHealthchecksURL)
	}
	var body struct {
		Checks []hcCheck `json:"checks"`
	}
	if err := getJSON(ctx, hc, "Healthchecks", base+"/api/v3/checks/", func(r *http.Request) { r.Header.Set("X-Api-Key", key) }, &body); err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(body.Checks))
	for _, c := range body.Checks {
		out = append(out, healthchecksCandidate(c))
	}
	return out, nil
}

func healthchecksCandidate(c hcCheck) Candidate {
	cand := Candidate{Source: c.Name, Paused: c.Status == "paused"}
	if cand.Source == "" {
		cand.Source = c.Slug
	}
	in := &cand.Input
	name := strings.TrimSpace(c.Name)
	slug := c.Slug
	if name == "" {
		name = slug
	}
	if !core.ValidSlug(slug) {
		slug = core.Slugify(name)
	}
	if !core.ValidSlug(slug) {
		cand.Skip = fmt.Sprintf("no usable slug (name %q, slug %q): give it one in Healthchecks", c.Name, c.Slug)
		return cand
	}
	in.Name, in.Slug = &name, &slug
	grace := c.Grace
	in.Grace = &grace
	switch {
	case c.Kind == "oncalendar" || c.Schedule != "" && c.Kind != "cron" && !isCron(c.Schedule):
		// Healthchecks lists both in schedule; the kind, where the answer
		// has it, tells them apart, else the form does (cron has five
		// fields and no colon).
		cand.Skip = fmt.Sprintf("schedule %q is a systemd OnCalendar expression; Pakyas takes cron expressions: "+
			"create it with 'pakyas check create --cron'", c.Schedule)
		return cand
	case c.Schedule != "":
		cron, tz := c.Schedule, c.TZ
		if tz == "" {
			tz = "UTC"
		}
		in.Cron, in.TZ = &cron, &tz
	case c.Timeout != nil:
		in.Period = c.Timeout
	default:
		cand.Skip = "neither a period (timeout) nor a cron schedule in the API's answer"
		return cand
	}
	if id, ok := uuidOf(c.PingURL); ok {
		in.PublicID = &id
	} else {
		cand.Notes = append(cand.Notes, "a read-only API key does not show the check's UUID: it gets a new ping URL (use a read-write key to keep it)")
	}
	if strings.TrimSpace(c.Desc) != "" {
		cand.Notes = append(cand.Notes, "description not imported")
	}
	if strings.TrimSpace(c.Tags) != "" {
		cand.Notes = append(cand.Notes, "tags not imported: "+c.Tags)
	}
	return cand
}

// uuidOf returns the UUID at the end of a ping URL.
func uuidOf(pingURL string) (string, bool) {
	if pingURL == "" {
		return "", false
	}
	u, err := url.Parse(pingURL)
	if err != nil {
		return "", false
	}
	id, err := uuid.Parse(path.Base(u.Path))
	if err != nil {
		return "", false
	}
	return id.String(), true
}

// getJSON GETs url from service and decodes its JSON answer into v. 401
// and 403 are a refused key (EUNAUTHORIZED); a network failure, 5xx or a
// 429 that keeps coming is EUNAVAILABLE; 429 is retried after its
// Retry-After.
func getJSON(ctx context.Context, hc *http.Client, service, url string, auth func(*http.Request), v any) error {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		auth(req)
		resp, err := hc.Do(req)
		if err != nil {
			return core.Errorf(core.EUNAVAILABLE, "cannot reach %s at %s: %v", service, url, err).
				WithHint("check --api-url and your network")
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if err != nil {
			return core.Errorf(core.EUNAVAILABLE, "%s at %s: reading the answer: %v", service, url, err)
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return core.Errorf(core.EUNAUTHORIZED, "%s refused the API key given with --api-key (%s)", service, resp.Status).
				WithHint("copy the project's API key from %s's settings; a key works for one project only", service)
		case resp.StatusCode == http.StatusTooManyRequests && attempt < 3:
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 && s <= 60 {
				wait = time.Duration(s) * time.Second
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			continue
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			return core.Errorf(core.EUNAVAILABLE, "%s at %s answered %s", service, url, resp.Status).
				WithHint("try again later")
		case resp.StatusCode != http.StatusOK:
			return core.Errorf(core.EINVALID, "%s at %s answered %s: %s", service, url, resp.Status, strings.TrimSpace(string(b)))
		}
		if err := json.Unmarshal(b, v); err != nil {
			return core.Errorf(core.EINVALID, "%s at %s: the answer is not the expected JSON (%v); is --api-url the right site?", service, url, err)
		}
		return nil
	}
}
