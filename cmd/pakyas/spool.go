package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
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
		return o.JSON(map[string]any{"dir": dir, "pending": jsonItems(pending), "rejected": jsonItems(rejected)})
	}
	if len(pending) == 0 && len(rejected) == 0 {
		o.printf("The spool is empty (%s).\n", dir)
		return nil
	}
	if len(pending) > 0 {
		o.printf("Waiting in %s:\n", dir)
		o.table(itemTable(pending, false))
		o.printf("\nDeliver them now with: pakyas spool flush\n")
	}
	if len(rejected) > 0 {
		if len(pending) > 0 {
			o.printf("\n")
		}
		o.printf("Refused by the server, not retried (%s):\n", filepath.Join(dir, spool.RejectedDir))
		o.table(itemTable(rejected, true))
	}
	return nil
}

func itemTable(items []spool.Item, rejected bool) *table {
	t := &table{indent: "  ", head: []string{"HAPPENED", "CHECK", "SIGNAL", "SERVER", "WHY"}}
	for _, it := range items {
		if it.Err != nil {
			t.addText("-", "-", "-", "-", oneLine(it.Name+": "+it.Err.Error(), 100))
			continue
		}
		en := it.Entry
		why := en.Reason
		if rejected && en.Rejected != "" {
			why = en.Rejected
		}
		t.addText(fmtWhen(en.Ping.At), en.Name(), spool.Describe(en.Ping), en.APIURL, oneLine(why, 80))
	}
	return t
}

type jsonItem struct {
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

func jsonItems(items []spool.Item) []jsonItem {
	out := make([]jsonItem, 0, len(items))
	for _, it := range items {
		j := jsonItem{File: it.Path}
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
