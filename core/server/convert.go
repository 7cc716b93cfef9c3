package server

import (
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/alert"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/status"
)

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *Server) apiCheck(c *core.Check) api.Check {
	st := c.State
	disp := c.DisplayStatus()
	out := api.Check{
		ID:            c.ID,
		PublicID:      c.PublicID,
		OrgID:         c.OrgID,
		ProjectID:     c.ProjectID,
		Name:          c.Name,
		Slug:          c.Slug,
		Schedule:      apiSchedule(c.Schedule),
		MaxRuntime:    int64(c.EffectiveMaxRuntime() / time.Second),
		AlertAfter:    c.AlertAfter,
		RemindEvery:   int64(c.RemindEvery / time.Second),
		Channels:      c.Channels,
		DependsOn:     c.DependsOn,
		PausedUntil:   timePtr(st.PausedUntil),
		Paused:        st.Status == core.StatusPaused,
		Status:        string(disp),
		StatusLabel:   disp.Label(),
		SettledStatus: string(st.Status),
		StatusSince:   timePtr(st.StatusSince),
		Running:       st.Running(),
		LastSignalAt:  timePtr(st.LastSignalAt),
		LastSuccessAt: timePtr(st.LastSuccessAt),
		LastFailureAt: timePtr(st.LastFailureAt),
		LastStartAt:   timePtr(st.LastStartAt),
		PingURL:       strings.TrimRight(s.cfg.PublicURL, "/") + api.PingPath(c.PublicID, ""),
		CreatedAt:     c.CreatedAt.UTC(),
		UpdatedAt:     c.UpdatedAt.UTC(),
	}
	if disp == core.StatusRunning && len(st.OpenRuns) > 0 {
		// Running since the run started, not since the status under it.
		out.StatusSince = timePtr(st.OpenRuns[0].StartedAt)
	}
	if st.LastExitCode >= 0 && (!st.LastSuccessAt.IsZero() || !st.LastFailureAt.IsZero()) {
		code := st.LastExitCode
		out.LastExitCode = &code
	}
	for _, r := range st.OpenRuns {
		out.OpenRuns = append(out.OpenRuns, api.Run{RunID: r.ID, StartedAt: r.StartedAt.UTC()})
	}
	if exp, dl, ok := status.Expected(c); ok {
		out.NextExpectedAt, out.DeadlineAt = timePtr(exp), timePtr(dl)
	}
	return out
}

func apiSchedule(s core.Schedule) api.Schedule {
	out := api.Schedule{Kind: string(s.Kind), Grace: int64(s.Grace / time.Second)}
	if s.Kind == core.ScheduleCron {
		out.Cron, out.TZ = s.Cron, s.TZ
	} else {
		out.Period = int64(s.Period / time.Second)
	}
	return out
}

func apiSignal(sig *core.Signal, skew time.Duration) api.Signal {
	out := api.Signal{
		ID:              sig.ID,
		Kind:            string(sig.Kind),
		ExitCode:        sig.ExitCode,
		RunID:           sig.RunID,
		At:              sig.OccurredAt.UTC(),
		ReceivedAt:      sig.ReceivedAt.UTC(),
		DeliveredLate:   sig.DeliveredLate(skew),
		DurationMS:      sig.Duration.Milliseconds(),
		Host:            sig.Host,
		Output:          string(sig.Body),
		OutputTruncated: sig.Truncated,
		Method:          sig.Method,
		RemoteAddr:      sig.RemoteAddr,
		UserAgent:       sig.UserAgent,
	}
	if !utf8.Valid(sig.Body) {
		// JSON strings are text: the exact bytes go in base64.
		out.Output = strings.ToValidUTF8(string(sig.Body), "\uFFFD")
		out.OutputBase64 = base64.StdEncoding.EncodeToString(sig.Body)
	}
	return out
}

func (s *Server) apiEntry(e *core.TimelineEntry) api.TimelineEntry {
	out := api.TimelineEntry{
		ID:     e.ID,
		At:     e.At.UTC(),
		Kind:   string(e.Kind),
		From:   string(e.From),
		To:     string(e.To),
		Reason: e.Reason,
	}
	if e.Signal != nil {
		sig := apiSignal(e.Signal, s.cfg.MaxSkew)
		out.Signal = &sig
	}
	return out
}

func apiOrg(o core.Org) api.Org {
	return api.Org{ID: o.ID, Name: o.Name, Slug: o.EffectiveSlug(), CreatedAt: o.CreatedAt.UTC()}
}

func apiProject(p core.Project) api.Project {
	return api.Project{ID: p.ID, OrgID: p.OrgID, Name: p.Name, Slug: p.EffectiveSlug(), CreatedAt: p.CreatedAt.UTC(), PingKey: p.PingKey,
		BadgeKey: p.BadgeKey}
}

// badgeURL is the SVG badge of the check slug (or "all") of the project
// with that badge key.
func (s *Server) badgeURL(key, slug string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/badge/" + key + "/" + slug + ".svg"
}

func apiChannel(c core.Channel) api.Channel {
	out := api.Channel{ID: c.ID, OrgID: c.OrgID, Name: c.Name, Kind: string(c.Kind), Target: c.Target, CreatedAt: c.CreatedAt.UTC()}
	if len(c.Settings) > 0 {
		k, _ := alert.LookupKind(c.Kind)
		out.Settings = map[string]string{}
		for key, v := range c.Settings {
			if slices.ContainsFunc(k.Settings, func(s alert.Setting) bool { return s.Key == key && s.Secret }) {
				v = "***"
			}
			out.Settings[key] = v
		}
	}
	return out
}

func apiKey(k core.APIKey) api.APIKey {
	return api.APIKey{ID: k.ID, Name: k.Name, Hint: k.Hint, CreatedAt: k.CreatedAt.UTC(), RevokedAt: timePtr(k.RevokedAt)}
}
