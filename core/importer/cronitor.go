package importer

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pakyas/pakyas/core"
)

// DefaultCronitorURL is Cronitor's API site.
const DefaultCronitorURL = "https://cronitor.io"

// crMonitor is a monitor as Cronitor's monitor API lists it.
type crMonitor struct {
	Key          string   `json:"key"`
	Name         string   `json:"name"`
	Type         string   `json:"type"` // job, heartbeat, check, site
	Schedule     string   `json:"schedule"`
	Schedules    []string `json:"schedules"`
	Timezone     string   `json:"timezone"`
	GraceSeconds *int64   `json:"grace_seconds"`
	Paused       bool     `json:"paused"`
}

type crPage struct {
	Page              int         `json:"page"`
	PageSize          int         `json:"page_size"`
	TotalMonitorCount int         `json:"total_monitor_count"`
	Monitors          []crMonitor `json:"monitors"`
}

// FetchCronitor reads every monitor of the Cronitor account the key
// belongs to (GET <baseURL>/api/monitors?page=N, HTTP basic auth with the
// key as the user) and returns them as candidates: jobs and heartbeats;
// uptime checks of URLs (Pakyas does not make requests) are skipped with
// the reason.
func FetchCronitor(ctx context.Context, hc *http.Client, baseURL, key string) ([]Candidate, error) {
	base := strings.TrimRight(baseURL, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, core.Errorf(core.EINVALID, "invalid --api-url %q: want Cronitor's API site, e.g. %s", baseURL, DefaultCronitorURL)
	}
	var out []Candidate
	seen := 0
	for page := 1; page <= 1000; page++ {
		var p crPage
		if err := getJSON(ctx, hc, "Cronitor", base+"/api/monitors?page="+strconv.Itoa(page),
			func(r *http.Request) { r.SetBasicAuth(key, "") }, &p); err != nil {
			return nil, err
		}
		for _, m := range p.Monitors {
			out = append(out, cronitorCandidate(m))
		}
		seen += len(p.Monitors)
		if len(p.Monitors) == 0 || (p.TotalMonitorCount > 0 && seen >= p.TotalMonitorCount) {
			break
		}
	}
	return out, nil
}

func cronitorCandidate(m crMonitor) Candidate {
	cand := Candidate{Source: m.Key, Paused: m.Paused}
	switch m.Type {
	case "job", "heartbeat":
	case "check", "site":
		cand.Skip = fmt.Sprintf("a %s monitor makes requests to a URL; Pakyas watches jobs that report in", m.Type)
		return cand
	default:
		cand.Skip = fmt.Sprintf("monitor type %q is not a job or a heartbeat", m.Type)
		return cand
	}
	name := strings.TrimSpace(m.Name)
	if name == "" {
		name = m.Key
	}
	slug := m.Key
	if !core.ValidSlug(slug) {
		slug = core.Slugify(m.Key)
	}
	if !core.ValidSlug(slug) {
		slug = core.Slugify(name)
	}
	if !core.ValidSlug(slug) {
		cand.Skip = fmt.Sprintf("no usable slug from key %q or name %q", m.Key, m.Name)
		return cand
	}
	cand.Input.Name, cand.Input.Slug = &name, &slug
	if slug != m.Key {
		cand.Notes = append(cand.Notes, "slug "+slug+" (the key "+m.Key+" is not a valid slug): telemetry URLs use the slug")
	}
	sched := strings.TrimSpace(m.Schedule)
	if sched == "" && len(m.Schedules) > 0 {
		sched = strings.TrimSpace(m.Schedules[0])
		if len(m.Schedules) > 1 {
			cand.Notes = append(cand.Notes, fmt.Sprintf("only the first of %d schedules imported", len(m.Schedules)))
		}
	}
	switch period, ok := everyPeriod(sched); {
	case sched == "":
		cand.Skip = "no schedule: Pakyas needs to know when a run is expected"
		return cand
	case ok:
		cand.Input.Period = &period
	case isCron(sched):
		tz := m.Timezone
		if tz == "" {
			tz = "UTC"
		}
		cand.Input.Cron, cand.Input.TZ = &sched, &tz
	default:
		cand.Skip = fmt.Sprintf("schedule %q is neither a cron expression nor \"every N minutes/hours/days\"", sched)
		return cand
	}
	if m.GraceSeconds != nil {
		g := *m.GraceSeconds
		cand.Input.Grace = &g
	}
	return cand
}

// everyPeriod reads Cronitor's interval schedules, "every 5 minutes",
// "every 1 min", "every 2 hours", "every day", as seconds.
func everyPeriod(s string) (int64, bool) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) < 2 || f[0] != "every" {
		return 0, false
	}
	n, unit := int64(1), f[1]
	if len(f) == 3 {
		v, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || v <= 0 {
			return 0, false
		}
		n, unit = v, f[2]
	} else if len(f) != 2 {
		return 0, false
	}
	units := map[string]int64{"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400, "week": 7 * 86400}
	sec, ok := units[strings.TrimSuffix(unit, "s")]
	if !ok {
		return 0, false
	}
	return n * sec, true
}

// isCron reports whether s looks like a cron expression: five fields, or
// a @macro. (The server checks it for real.)
func isCron(s string) bool {
	f := strings.Fields(s)
	return strings.HasPrefix(s, "@") ||
		len(f) == 5 && !strings.EqualFold(f[0], "every") && !strings.Contains(s, ":")
}
