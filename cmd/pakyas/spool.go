package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/monitor"
	"github.com/pakyas/pakyas/core/spool"
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
			{
				Name:      "list",
				Usage:     "show the signals waiting in the spool and those the server rejected",
				UsageText: "pakyas spool list [--format json]\n\nExample:\n  pakyas spool list --format json | jq length",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return e.spoolList(cmd)
				},
			},
			{
				Name:      "flush",
				Usage:     "deliver the spooled signals now, oldest first",
				UsageText: "pakyas spool flush [--timeout 10s] [--retries 3]\n\nExample:\n  pakyas spool flush --retries 5   # after an outage of the server",
				Flags:     deliveryFlags(e),
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return e.spoolFlush(ctx, cmd)
				},
			},
		},
	}
}

func fmtWhen(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

func (e *env) spoolFlush(ctx context.Context, cmd *cli.Command) error {
	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	c, err := e.pingClient(cmd, s)
	if err != nil {
		return err
	}
	dir, err := e.spoolDir()
	if err != nil {
		return err
	}
	rep, err := spool.New(dir).Replay(ctx, e.sender(s, c))
	if err != nil {
		return err
	}
	o := e.output(s)
	if o.json {
		unreachable := map[string]string{}
		for u, err := range rep.Unreachable {
			unreachable[u] = err.Error()
		}
		if err := o.JSON(map[string]any{"delivered": len(rep.Delivered), "rejected": len(rep.Rejected), "pending": rep.Pending, "unreachable": unreachable, "busy": rep.Busy}); err != nil {
			return err
		}
	} else {
		o.printf("Delivered %d signal(s) from the spool.\n", len(rep.Delivered))
	}
	(&monitor.Log{W: e.stderr}).Replay(spool.Report{Rejected: rep.Rejected}, nil)
	switch {
	case rep.Busy:
		return withCode(exitMonitoring, fmt.Sprintf("another pakyas is delivering the spool (%s) right now", dir), "try again in a moment")
	case rep.Pending > 0:
		var why []string
		for u, err := range rep.Unreachable {
			why = append(why, fmt.Sprintf("%s: %s", u, core.ErrorText(api.Explain(u, err))))
		}
		for check, err := range rep.Held {
			why = append(why, fmt.Sprintf("%s: %v", check, err))
		}
		return withCode(exitMonitoring, fmt.Sprintf("%d signal(s) are still in the spool: %s", rep.Pending, strings.Join(why, "; ")),
			"is the server up? They are delivered by the next pakyas run, or: pakyas spool flush")
	case len(rep.Rejected) > 0:
		return &codeError{code: exitError}
	}
	return nil
}

func (e *env) spoolList(cmd *cli.Command) error {
	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	dir, err := e.spoolDir()
	if err != nil {
		return err
	}
	sp := spool.New(dir)
	pending, err := sp.List()
	if err != nil {
		return err
	}
	rejected, err := sp.ListRejected()
	if err != nil {
		return err
	}
	o := e.output(s)
	if o.json {
		return o.JSON(map[string]any{"dir": dir, "pending": console.SpoolItems(pending), "rejected": console.SpoolItems(rejected)})
	}
	o.Spool(dir, pending, rejected)
	return nil
}
