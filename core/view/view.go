// Package view is how checks, timelines and spooled signals look in
// pakyas's terminal output, printed with a console.Printer.
package view

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/spool"
)

// Schedule describes a check's schedule: "every 1h, grace 5m".
func Schedule(ch *api.Check) string {
	sc := ch.Schedule
	var s string
	if sc.Kind == "cron" {
		s = fmt.Sprintf("cron %q (%s)", sc.Cron, sc.TZ)
	} else {
		s = "every " + console.Seconds(sc.Period)
	}
	s += ", grace " + console.Seconds(sc.Grace)
	if ch.MaxRuntime > 0 && ch.MaxRuntime != sc.Grace {
		s += ", max runtime " + console.Seconds(ch.MaxRuntime)
	}
	return s
}

// Alerting describes the alerting settings of ch that in sets, as they
// now are: "reminders every 1h, a failure alerted after 3 in a row" (""
// when in sets none of them), so that an update says what it changed.
func Alerting(ch *api.Check, in api.CheckInput) string {
	var parts []string
	if in.RemindEvery != nil {
		if ch.RemindEvery > 0 {
			parts = append(parts, "reminders every "+console.Seconds(ch.RemindEvery))
		} else {
			parts = append(parts, "no reminders")
		}
	}
	if in.AlertAfter != nil {
		if ch.AlertAfter > 1 {
			parts = append(parts, fmt.Sprintf("a failure alerted after %d in a row", ch.AlertAfter))
		} else {
			parts = append(parts, "a failure alerted at once")
		}
	}
	if in.DependsOn != nil {
		switch {
		case ch.DependsOnSlug != "":
			parts = append(parts, "depends on "+ch.DependsOnSlug)
		case ch.DependsOn != "":
			parts = append(parts, "depends on "+*in.DependsOn)
		default:
			parts = append(parts, "depends on no check")
		}
	}
	if in.Channels != nil {
		switch {
		case ch.Channels == nil:
			parts = append(parts, "alerts to all channels")
		case len(ch.Channels) == 0:
			parts = append(parts, "alerts to no channel")
		default:
			parts = append(parts, fmt.Sprintf("alerts to %d channel(s)", len(ch.Channels)))
		}
	}
	return strings.Join(parts, ", ")
}

// MaxRuntime describes how long a run of the check may take before it is
// Overrunning: "10m (the grace)" when it defaults to the grace, as it does
// unless set.
func MaxRuntime(ch *api.Check) string {
	s := console.Seconds(ch.MaxRuntime)
	if ch.MaxRuntime == ch.Schedule.Grace {
		s += " (the grace)"
	}
	return s + "; a longer run is Overrunning"
}

// Checks prints checks as `pakyas check list` shows them.
func Checks(p *console.Printer, checks []api.Check) {
	t := &console.Table{Head: []string{"SLUG", "NAME", "STATUS", "SCHEDULE", "LAST SIGNAL"}}
	for i := range checks {
		ch := &checks[i]
		t.Add(console.Cell{Text: ch.Slug}, console.Cell{Text: ch.Name}, console.Cell{Text: ch.StatusLabel, Color: console.StatusColor(ch.Status)},
			console.Cell{Text: Schedule(ch)}, console.Cell{Text: console.Time(ch.LastSignalAt)})
	}
	p.Table(t)
}

// Check prints a check as `pakyas check show` shows it: status, schedule,
// last signals and the recent timeline with reasons.
func Check(p *console.Printer, ch *api.Check) {
	p.Printf("%s (%s)\n", ch.Name, ch.Slug)
	status := p.Paint(ch.StatusLabel, console.StatusColor(ch.Status))
	if ch.StatusSince != nil {
		status += console.Painted(" since " + console.Time(ch.StatusSince))
	}
	if ch.PausedUntil != nil {
		status += console.Painted(", until " + console.Time(ch.PausedUntil) + " (then it resumes by itself)")
	}
	p.Printf("  Status:         %s\n", status)
	p.Printf("  Schedule:       %s\n", Schedule(ch))
	p.Printf("  Max runtime:    %s\n", MaxRuntime(ch))
	if ch.AlertAfter > 1 {
		p.Printf("  Alert after:    %d failures in a row\n", ch.AlertAfter)
	}
	if ch.DependsOnSlug != "" {
		p.Printf("  Depends on:     %s (its alerts are held while %s is Missing or Failed)\n", ch.DependsOnSlug, ch.DependsOnSlug)
	}
	if ch.RemindEvery > 0 {
		p.Printf("  Reminders:      every %s while Missing, Failed or Overrunning\n", console.Seconds(ch.RemindEvery))
	}
	switch {
	case ch.Channels == nil:
	case len(ch.Channels) == 0:
		p.Printf("  Alerts to:      no channel (--channels none)\n")
	default:
		p.Printf("  Alerts to:      %d of the organization's channels (%s)\n", len(ch.Channels), strings.Join(ch.Channels, ", "))
	}
	p.Printf("  Last signal:    %s\n", console.Time(ch.LastSignalAt))
	if ch.LastExitCode != nil {
		p.Printf("  Last exit code: %d\n", *ch.LastExitCode)
	}
	if ch.NextExpectedAt != nil {
		p.Printf("  Next expected:  %s (Missing after %s)\n", console.Time(ch.NextExpectedAt), console.Time(ch.DeadlineAt))
	}
	for _, r := range ch.OpenRuns {
		run := ""
		if r.RunID != "" {
			run = " (run " + r.RunID + ")"
		}
		p.Printf("  Running since:  %s%s\n", console.Time(&r.StartedAt), run)
	}
	p.Printf("  Public ID:      %s\n", ch.PublicID)
	p.Printf("  Ping URL:       %s\n", ch.PingURL)
	if ch.BadgeURL != "" {
		p.Printf("  Badge:          %s (and .json for shields.io)\n", ch.BadgeURL)
	}

	p.Printf("\nLast signals:\n")
	if len(ch.Signals) == 0 {
		p.Printf("  none yet: pakyas ping %s\n", ch.Slug)
	} else {
		st := &console.Table{Indent: "  ", Head: []string{"TIME", "KIND", "EXIT", "DURATION", "RUN ID", "OUTPUT"}}
		for _, s := range ch.Signals {
			exit, dur := "-", "-"
			if s.ExitCode != nil {
				exit = strconv.Itoa(*s.ExitCode)
			}
			if s.DurationMS > 0 {
				dur = fmt.Sprintf("%.1fs", float64(s.DurationMS)/1000)
			}
			kindColor := ""
			if s.Kind == "fail" {
				kindColor = console.Red
			}
			st.Add(console.Cell{Text: console.Time(&s.At)}, console.Cell{Text: s.Kind, Color: kindColor}, console.Cell{Text: exit},
				console.Cell{Text: dur}, console.Cell{Text: console.OrDash(s.RunID)}, console.Cell{Text: console.OrDash(console.OneLine(s.Output, 60))})
		}
		p.Table(st)
	}

	p.Printf("\nTimeline (newest first; all of it: pakyas check timeline %s):\n", ch.Slug)
	if len(ch.Timeline) == 0 {
		p.Printf("  empty\n")
		return
	}
	p.Table(Timeline(ch.Timeline, "  "))
}

// Timeline is the table of timeline entries: what happened and why.
func Timeline(entries []api.TimelineEntry, indent string) *console.Table {
	t := &console.Table{Indent: indent, Head: []string{"TIME", "EVENT", "REASON"}}
	for _, en := range entries {
		event, color := en.Kind, ""
		switch en.Kind {
		case "transition":
			event = core.Status(en.From).Label() + " → " + core.Status(en.To).Label()
			color = console.StatusColor(en.To)
		case "signal":
			if en.Signal != nil {
				event = "signal: " + en.Signal.Kind
				if en.Signal.ExitCode != nil {
					event += fmt.Sprintf(" (exit %d)", *en.Signal.ExitCode)
				}
			}
		}
		// The reason whole (escaped to one line): it is the point of the
		// timeline.
		t.Add(console.Cell{Text: console.Time(&en.At)}, console.Cell{Text: event, Color: color}, console.Cell{Text: console.OrDash(console.Line(strings.TrimSpace(en.Reason)))})
	}
	return t
}

// Spool prints what waits in the spool in dir and what the server
// rejected, as `pakyas spool list` shows them.
func Spool(p *console.Printer, dir string, pending, rejected []spool.Item) {
	if len(pending) == 0 && len(rejected) == 0 {
		p.Printf("The spool is empty (%s).\n", dir)
		return
	}
	if len(pending) > 0 {
		p.Printf("Waiting in %s:\n", dir)
		p.Table(spoolTable(pending, false))
		p.Printf("\nDeliver them now with: pakyas spool flush\n")
	}
	if len(rejected) > 0 {
		if len(pending) > 0 {
			p.Printf("\n")
		}
		p.Printf("Refused by the server, not retried (%s):\n", filepath.Join(dir, spool.RejectedDir))
		p.Table(spoolTable(rejected, true))
	}
}

func spoolTable(items []spool.Item, rejected bool) *console.Table {
	t := &console.Table{Indent: "  ", Head: []string{"HAPPENED", "CHECK", "SIGNAL", "SERVER", "WHY"}}
	for _, it := range items {
		if it.Err != nil {
			t.AddText("-", "-", "-", "-", console.OneLine(it.Name+": "+it.Err.Error(), 100))
			continue
		}
		en := it.Entry
		why := en.Reason
		if rejected && en.Rejected != "" {
			why = en.Rejected
		}
		at := en.Ping.At
		t.AddText(console.Time(&at), en.Name(), spool.Describe(en.Ping), en.APIURL, console.OneLine(why, 80))
	}
	return t
}

// SpoolItem is a spooled signal as `pakyas spool list --format json`
// shows it.
type SpoolItem struct {
	File     string    `json:"file"`
	At       time.Time `json:"at,omitempty"`
	Check    string    `json:"check,omitempty"`
	PublicID string    `json:"public_id,omitempty"`
	Slug     string    `json:"slug,omitempty"`
	Signal   string    `json:"signal,omitempty"`
	RunID    string    `json:"rid,omitempty"`
	APIURL   string    `json:"api_url,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Rejected string    `json:"rejected,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// SpoolItems returns items as SpoolItems.
func SpoolItems(items []spool.Item) []SpoolItem {
	out := make([]SpoolItem, 0, len(items))
	for _, it := range items {
		j := SpoolItem{File: it.Path}
		if it.Err != nil {
			j.Error = it.Err.Error()
		} else {
			en := it.Entry
			j.At, j.Check, j.PublicID, j.Signal, j.RunID = en.Ping.At, en.Check, en.Ping.PublicID, spool.Describe(en.Ping), en.Ping.RunID
			j.APIURL, j.Reason, j.Rejected, j.Slug = en.APIURL, en.Reason, en.Rejected, en.Slug
		}
		out = append(out, j)
	}
	return out
}
