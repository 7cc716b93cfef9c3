package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
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

// spoolDir returns $XDG_STATE_HOME/pakyas/spool.
func (e *env) spoolDir() (string, error) {
	dir, err := config.StateDirFrom(e.getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "spool"), nil
}

// spool returns the user's spool, or nil (with a warning) when there is no
// home directory to keep it in.
func (e *env) spool() *spool.Spool {
	dir, err := e.spoolDir()
	if err != nil {
		fmt.Fprintf(e.stderr, "[pakyas] Warning: no spool, undelivered signals will be lost: %v\n", err)
		return nil
	}
	return spool.New(dir)
}

// spooler keeps undelivered signals of one command in the spool.
type spooler struct {
	sp     *spool.Spool
	apiURL string
	check  string
	warn   func(format string, args ...any)
}

// Keep implements monitor.Spooler.
func (k *spooler) Keep(p api.Ping, why error) (string, error) {
	added, err := k.sp.Add(spool.Entry{APIURL: k.apiURL, Check: k.check, Ping: p, Reason: why.Error()})
	if n := len(added.Dropped); n > 0 && k.warn != nil {
		k.warn("Warning: the spool is full; dropped its %d oldest signal(s) to keep this one", n)
	}
	return added.Path, err
}

// spoolWarn prints [pakyas] lines of the spool; quiet silences all but
// warnings.
func (e *env) spoolWarn(quiet bool) func(format string, args ...any) {
	return func(format string, args ...any) {
		if quiet && !strings.HasPrefix(format, "Warning") {
			return
		}
		fmt.Fprintf(e.stderr, "[pakyas] "+format+"\n", args...)
	}
}

// spoolPing keeps a signal of `pakyas ping` that happened at at and
// could not be delivered, and says where; a signal the server refused for
// good is not kept.
func (e *env) spoolPing(s *settings, key string, p api.Ping, at time.Time, why error) {
	if spool.Permanent(why) || errors.Is(why, context.Canceled) {
		return
	}
	sp := e.spool()
	if sp == nil {
		return
	}
	p.At = at
	k := &spooler{sp: sp, apiURL: s.apiURL, check: key, warn: e.spoolWarn(false)}
	where, err := k.Keep(p, monitor.Cause(why))
	if err != nil {
		fmt.Fprintf(e.stderr, "[pakyas] Warning: cannot keep the signal in the spool, it is lost: %v\n", err)
		return
	}
	fmt.Fprintf(e.stderr, "[pakyas] The signal is kept in the spool (%s); the next pakyas run or 'pakyas spool flush' delivers it\n", where)
}

// replaySpool delivers what waits in the spool, within replayBudget,
// after a signal reached the server. The connection of c is reused for
// its server.
func (e *env) replaySpool(ctx context.Context, s *settings, c *api.Client, quiet bool) {
	dir, err := e.spoolDir()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replayBudget)
	defer cancel()
	quick := *c
	quick.Retries = 0 // a failure leaves the entry for the next run
	rep, err := spool.New(dir).Replay(ctx, e.sender(s, &quick))
	e.reportReplay(rep, err, e.spoolWarn(quiet))
}

// sender delivers spooled signals, with c for its own server and a client
// like c for any other.
func (e *env) sender(s *settings, c *api.Client) spool.Sender {
	clients := map[string]*api.Client{s.apiURL: c}
	return func(ctx context.Context, en spool.Entry) error {
		cl := clients[en.APIURL]
		if cl == nil {
			cp := *c
			cp.BaseURL = en.APIURL
			cl = &cp
			clients[en.APIURL] = cl
		}
		_, err := cl.Ping(ctx, en.Ping)
		return err
	}
}

// reportReplay says what a replay did: deliveries (quiet silences them),
// rejections (always).
func (e *env) reportReplay(rep spool.Report, err error, say func(string, ...any)) {
	if err != nil {
		say("Warning: spool: %v", err)
	}
	if n := len(rep.Delivered); n > 0 {
		say("Delivered %d signal(s) from the spool", n)
	}
	for _, r := range rep.Rejected {
		say("Warning: the server refused a spooled signal for good (%s of %s at %s): %v; moved to %s",
			describeEntry(r.Entry), orWord(r.Entry.Check, r.Entry.Ping.PublicID), fmtWhen(r.Entry.Ping.At), r.Err,
			filepath.Join(filepath.Dir(r.Path), spool.RejectedDir))
	}
}

func describeEntry(en spool.Entry) string {
	if en.APIURL == "" {
		return "a corrupt file"
	}
	return spool.Describe(en.Ping) + " signal"
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
	e.reportReplay(spool.Report{Rejected: rep.Rejected}, nil, e.spoolWarn(false))
	switch {
	case rep.Busy:
		return withCode(exitMonitoring, fmt.Sprintf("another pakyas is delivering the spool (%s) right now", dir), "try again in a moment")
	case rep.Pending > 0:
		var why []string
		for u, err := range rep.Unreachable {
			why = append(why, fmt.Sprintf("%s: %v", u, err))
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
		t.addText(fmtWhen(en.Ping.At), orWord(en.Check, en.Ping.PublicID), spool.Describe(en.Ping), en.APIURL, oneLine(why, 80))
	}
	return t
}

type jsonItem struct {
	File     string    `json:"file"`
	At       time.Time `json:"at,omitempty"`
	Check    string    `json:"check,omitempty"`
	PublicID string    `json:"public_id,omitempty"`
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
			j.APIURL, j.Reason, j.Rejected = en.APIURL, en.Reason, en.Rejected
		}
		out = append(out, j)
	}
	return out
}
