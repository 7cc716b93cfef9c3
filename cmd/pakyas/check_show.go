package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/urfave/cli/v3"
)

func checkShowCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "show",
		Usage: "show a check: its status, schedule, last signals and recent timeline",
		UsageText: `pakyas check show SLUG

--format json prints the check as the API returns it: public_id, slug, name,
status, status_label, schedule, signals and timeline.

Examples:
  pakyas check show hourly-sync
  pakyas check show my-job --format json | jq '.public_id'`,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			sc, ch, err := e.scopedCheck(ctx, cmd)
			if err != nil {
				return err
			}
			o := e.output(sc.s)
			if o.json {
				return o.JSON(ch)
			}
			printCheck(o, ch)
			return nil
		},
	}
}

func printCheck(o *output, ch *api.Check) {
	o.printf("%s (%s)\n", ch.Name, ch.Slug)
	status := o.paint(ch.StatusLabel, statusColor(ch.Status))
	if ch.StatusSince != nil {
		status += painted(" since " + fmtTime(ch.StatusSince))
	}
	o.printf("  Status:         %s\n", status)
	o.printf("  Schedule:       %s\n", fmtSchedule(ch))
	o.printf("  Last signal:    %s\n", fmtTime(ch.LastSignalAt))
	if ch.LastExitCode != nil {
		o.printf("  Last exit code: %d\n", *ch.LastExitCode)
	}
	if ch.NextExpectedAt != nil {
		o.printf("  Next expected:  %s (Missing after %s)\n", fmtTime(ch.NextExpectedAt), fmtTime(ch.DeadlineAt))
	}
	for _, r := range ch.OpenRuns {
		o.printf("  Running since:  %s%s\n", fmtTime(&r.StartedAt), ifSet(" (run ", r.RunID, ")"))
	}
	o.printf("  Public ID:      %s\n", ch.PublicID)
	o.printf("  Ping URL:       %s\n", ch.PingURL)

	o.printf("\nLast signals:\n")
	if len(ch.Signals) == 0 {
		o.printf("  none yet: pakyas ping %s\n", ch.Slug)
	} else {
		st := &table{indent: "  ", head: []string{"TIME", "KIND", "EXIT", "DURATION", "RUN ID", "OUTPUT"}}
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
				kindColor = red
			}
			st.add(cell{text: fmtTime(&s.At)}, cell{text: s.Kind, color: kindColor}, cell{text: exit},
				cell{text: dur}, cell{text: orDash(s.RunID)}, cell{text: orDash(oneLine(s.Output, 60))})
		}
		o.table(st)
	}

	o.printf("\nTimeline (newest first; all of it: pakyas check timeline %s):\n", ch.Slug)
	if len(ch.Timeline) == 0 {
		o.printf("  empty\n")
		return
	}
	o.table(timelineTable(ch.Timeline))
}

// timelineTable renders timeline entries: what happened and why.
func timelineTable(entries []api.TimelineEntry) *table {
	t := &table{indent: "  ", head: []string{"TIME", "EVENT", "REASON"}}
	for _, en := range entries {
		event, color := en.Kind, ""
		switch en.Kind {
		case "transition":
			event = core.Status(en.From).Label() + " → " + core.Status(en.To).Label()
			color = statusColor(en.To)
		case "signal":
			if en.Signal != nil {
				event = "signal: " + en.Signal.Kind
				if en.Signal.ExitCode != nil {
					event += fmt.Sprintf(" (exit %d)", *en.Signal.ExitCode)
				}
			}
		}
		t.add(cell{text: fmtTime(&en.At)}, cell{text: event, color: color}, cell{text: orDash(oneLine(en.Reason, 100))})
	}
	return t
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ifSet(pre, s, post string) string {
	if s == "" {
		return ""
	}
	return pre + s + post
}

// timelinePage is how many entries one timeline request asks for.
const timelinePage = 100

func checkTimelineCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "timeline",
		Usage: "print a check's whole timeline, newest first: every signal, status change and alert with its reason",
		UsageText: `pakyas check timeline SLUG [--limit N]

Examples:
  pakyas check timeline db-backup
  pakyas check timeline db-backup --limit 20 --format json`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "limit", Usage: "print at most N entries (0: all)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			slug, err := slugArg(cmd)
			if err != nil {
				return err
			}
			limit := int(cmd.Int("limit"))
			if limit < 0 {
				return usagef("--limit must not be negative")
			}
			sc, err := e.scope(ctx, cmd)
			if err != nil {
				return err
			}
			ch, err := sc.check(ctx, slug)
			if err != nil {
				return err
			}
			entries := []api.TimelineEntry{}
			for cursor := ""; ; {
				page, err := sc.client.Timeline(ctx, ch.ID, cursor, timelinePage)
				if err != nil {
					return sc.s.apiErr(err)
				}
				entries = append(entries, page.Entries...)
				if limit > 0 && len(entries) >= limit {
					entries = entries[:limit]
					break
				}
				if page.NextCursor == "" || len(page.Entries) == 0 {
					break
				}
				cursor = page.NextCursor
			}
			o := e.output(sc.s)
			if o.json {
				return o.JSON(entries)
			}
			o.printf("Timeline of '%s' (%s), newest first:\n", ch.Name, ch.Slug)
			o.table(timelineTable(entries))
			return nil
		},
	}
}
