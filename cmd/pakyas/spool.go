package main

import (
	"context"
	"time"

	"github.com/pakyas/pakyas/core/monitor"
	"github.com/pakyas/pakyas/core/spool"
	"github.com/pakyas/pakyas/core/view"
	"github.com/urfave/cli/v3"
)

// replayBudget bounds the replay of the spool that follows a delivered
// signal of `pakyas monitor` and `pakyas ping`, so a long spool never
// holds a cron line up noticeably; what is left waits for the next run.
const replayBudget = time.Second

func spoolCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "spool",
		Usage: "signals that could not be delivered: list them, or deliver them now",
		UsageText: `pakyas spool list
pakyas spool flush

When the server cannot be reached, 'pakyas monitor' and 'pakyas ping' keep the
signal, with the time it happened, in $XDG_STATE_HOME/pakyas/spool
(~/.local/state/pakyas/spool). The next pakyas run that reaches the server
delivers them, in order; the server puts them on the timeline at their
original time, marked as delivered late. Signals the server refuses for good
(a deleted check, a signal older than its retention) are moved to
spool/rejected/.

Example:
  pakyas spool list && pakyas spool flush`,
		Action: groupAction,
		Commands: []*cli.Command{
			leaf("list", "show the signals waiting in the spool and those the server rejected",
				"pakyas spool list [--format json]\n\nExample:\n  pakyas spool list --format json | jq length",
				e.spoolList),
			{
				Name:      "flush",
				Usage:     "deliver the spooled signals now, oldest first",
				UsageText: "pakyas spool flush [--timeout 10s] [--retries 3]\n\nExample:\n  pakyas spool flush --retries 5   # after an outage of the server",
				Flags:     deliveryFlags(e),
				Action:    e.spoolFlush,
			},
		},
	}
}

func (e *env) spoolFlush(ctx context.Context, cmd *cli.Command) error {
	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	c, err := e.pingClient(flagsOf(cmd), s)
	if err != nil {
		return err
	}
	f := e.files()
	if f.Spool == nil {
		return withCode(exitError, "no spool: no home directory", "set HOME or XDG_STATE_HOME")
	}
	rep, err := f.Spool.Replay(ctx, f.FlushSender(s.Settings, c))
	if err != nil {
		return err
	}
	o := e.output(s)
	if o.json {
		if err := o.JSON(rep.Summary()); err != nil {
			return err
		}
	}
	o.printf("Delivered %d signal(s) from the spool.\n", len(rep.Delivered))
	(&monitor.Log{W: e.stderr}).Replay(spool.Report{Rejected: rep.Rejected}, nil)
	return rep.Err(f.Spool.Dir)
}

func (e *env) spoolList(ctx context.Context, cmd *cli.Command) error {
	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	sp := e.files().Spool
	if sp == nil {
		return withCode(exitError, "no spool: no home directory", "set HOME or XDG_STATE_HOME")
	}
	pending, err := sp.List()
	if err != nil {
		return err
	}
	rejected, err := sp.ListRejected()
	if err != nil {
		return err
	}
	return e.output(s).show(map[string]any{"dir": sp.Dir, "pending": view.SpoolItems(pending), "rejected": view.SpoolItems(rejected)}, func(o *output) {
		view.Spool(&o.Printer, sp.Dir, pending, rejected)
	})
}
