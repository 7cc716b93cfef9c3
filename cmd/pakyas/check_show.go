package main

import (
	"context"

	"github.com/pakyas/pakyas/core/view"
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
			return e.output(sc.s).show(ch, func(o *output) {
				view.Check(&o.Printer, ch)
			})
		},
	}
}

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
			entries, err := sc.client.TimelineAll(ctx, ch.ID, limit)
			if err != nil {
				return sc.s.apiErr(err)
			}
			return e.output(sc.s).show(entries, func(o *output) {
				o.printf("Timeline of '%s' (%s), newest first:\n", ch.Name, ch.Slug)
				o.table(view.Timeline(entries, ""))
			})
		},
	}
}
