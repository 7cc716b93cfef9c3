package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/monitor"
	"github.com/pakyas/pakyas/core/spool"
	"github.com/urfave/cli/v3"
)

func pingCommand(e *env) *cli.Command {
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "start", Usage: "the job is starting (tracks its duration; pair the finish with --rid)"},
		&cli.BoolFlag{Name: "fail", Usage: "the job failed"},
		&cli.IntFlag{Name: "exit-code", Usage: "the job's exit code N: 0 is a success, anything else a failure"},
		&cli.BoolFlag{Name: "log", Usage: "a log message only (--message): the status does not change"},
		&cli.StringFlag{Name: "rid", Usage: "run id (UUID) pairing a --start with its finish"},
		&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "text sent with the signal, e.g. the job's output; - reads it from stdin"},
		publicIDFlag(),
	}
	return &cli.Command{
		Name:  "ping",
		Usage: "send a signal to a check: success (default), start, fail, an exit code or a log message",
		UsageText: `pakyas ping SLUG [--start | --fail | --exit-code N | --log] [--rid UUID] [--message TEXT]
pakyas ping --public-id UUID [...]

A slug is turned into the check's public ID through the local cache
(~/.config/pakyas/cache/checks.json), which needs an API key only when it is
refreshed. With --public-id no API key or config is needed. Failed deliveries
are retried (--retries, default 3) on timeouts, connection errors, 429 and 5xx.

Examples:
  pakyas ping my-first-check
  pakyas ping big-etl --start
  pakyas ping my-job --fail
  pakyas ping my-job --exit-code 2 --message "disk full"
  pakyas ping --public-id 550e8400-e29b-41d4-a716-446655440000`,
		Flags:  append(append(flags, deliveryFlags(e)...), externalFlags(e)...),
		Action: e.ping,
	}
}

// pingKind returns the signal kind of the flags.
func pingKind(fv flagValues) (string, error) {
	var code *int64
	if fv.IsSet("exit-code") {
		n := int64(fv.Int("exit-code"))
		code = &n
	}
	kind, err := monitor.Kind(fv.Bool("start"), fv.Bool("fail"), fv.Bool("log"), code)
	if err != nil {
		return "", usagef("%v", err)
	}
	return kind, nil
}

func (e *env) ping(ctx context.Context, cmd *cli.Command) error {
	var arg string
	switch cmd.Args().Len() {
	case 0:
	case 1:
		arg = cmd.Args().First()
	default:
		return usagef("too many arguments %q: give one check slug (flags may follow it)", cmd.Args().Slice())
	}
	fv := flagsOf(cmd)
	kind, err := pingKind(fv)
	if err != nil {
		return err
	}
	sig := monitor.Signal{Kind: kind, RunID: fv.String("rid"), At: time.Now()}
	if sig.RunID != "" {
		if _, err := uuid.Parse(sig.RunID); err != nil {
			return usagef("--rid %q must be a UUID, e.g. the output of uuidgen", sig.RunID)
		}
	}
	slug, publicID, err := e.checkArgs(fv, arg)
	if err != nil {
		return err
	}
	key := orWord(slug, publicID)
	if err := e.handOffForTargets(fv, key); err != nil {
		return err
	}
	p, err := e.pingSetup(ctx, cmd, fv, slug, publicID)
	if err != nil {
		return err
	}
	defer p.x.Close()
	if sig.Body, err = e.pingBody(fv); err != nil {
		return err
	}
	sig.Host, _ = os.Hostname()
	log := p.log
	del := p.d.Deliver(ctx, sig)
	if !del.Delivered {
		reported := monitor.Decide(monitor.Outcome{Delivered: false, MigrationMode: p.x.migration, ExternalDelivered: del.External}).Verdict == monitor.ReportedExternally
		switch {
		case p.settingsErr != nil && !reported:
			return p.settingsErr
		case p.settingsErr != nil:
			printError(e.stderr, p.settingsErr)
		}
		if reported {
			log.Alert("%s", monitor.MigrationWarning(del.Err))
			return nil
		}
		return del.Error()
	}
	o := e.output(p.s)
	log.Verbosef("%s signal for %s delivered in %d attempt(s)", spool.Describe(api.Ping{Kind: kind}), del.PublicID, del.Sent.Attempts)
	if o.json {
		return o.JSON(map[string]any{"check": key, "public_id": del.PublicID, "kind": orWord(kind, "success"), "attempts": del.Sent.Attempts})
	}
	o.printf("Pong! Check '%s' pinged successfully\n", console.Line(key))
	return nil
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// pingBody returns the message --message gives: the text, or with "-"
// stdin to its end, of which the last core.MaxBodySize bytes are kept
// (the end of a job's output says most).
func (e *env) pingBody(fv flagValues) ([]byte, error) {
	msg := fv.String("message")
	if msg != "-" {
		return []byte(msg), nil
	}
	tail := monitor.NewRing(core.MaxBodySize)
	if _, err := io.Copy(tail, e.stdin); err != nil {
		return nil, fmt.Errorf("read the message from stdin: %w", err)
	}
	return tail.Bytes(), nil
}

// pinging is what a ping is delivered with.
type pinging struct {
	d *monitor.Deliverer
	x *externalRun
	s *settings
	// log is where the ping's progress and warnings go, d's own too.
	log *monitor.Log
	// settingsErr: Pakyas's settings could not be read, and d only
	// notifies the external monitors (monitor.Unconfigured).
	settingsErr error
}

// pingSetup returns what the ping of the check slug or publicID is
// delivered with. When Pakyas's settings cannot be read, the external
// monitors still get the signal (in migration mode one taking it makes
// the ping succeed); with none to get it, the settings' error is the
// answer.
func (e *env) pingSetup(ctx context.Context, cmd *cli.Command, fv flagValues, slug, publicID string) (pinging, error) {
	key := orWord(slug, publicID)
	s, err := e.settings(cmd)
	if err != nil {
		x, xerr := e.externals(ctx, fv, nil, false, key)
		if xerr != nil || x.host == nil {
			return pinging{}, err
		}
		return pinging{d: monitor.Unconfigured(err, x.host), x: x, log: &monitor.Log{W: e.stderr}, settingsErr: err}, nil
	}
	c, err := e.pingClient(fv, s)
	if err != nil {
		return pinging{}, err
	}
	x, err := e.externals(ctx, fv, s, false, key)
	if err != nil {
		return pinging{}, err
	}
	log := &monitor.Log{W: e.stderr, Verbose: s.verbose}
	d := e.files().Deliverer(s.Settings, c, slug, publicID, log)
	d.External = x.host
	return pinging{d: d, x: x, s: s, log: log}, nil
}
