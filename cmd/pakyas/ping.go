package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
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
		Flags: append(append(flags, deliveryFlags(e)...), externalFlags(e)...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return e.ping(ctx, cmd)
		},
	}
}

// pingKind returns the API's ping kind from the flags.
func pingKind(cmd *cli.Command) (string, error) {
	var kinds []string
	for _, k := range []string{"start", "fail", "log"} {
		if cmd.Bool(k) {
			kinds = append(kinds, k)
		}
	}
	if cmd.IsSet("exit-code") {
		code := cmd.Int("exit-code")
		if code < 0 || code > 255 {
			return "", usagef("--exit-code must be 0 to 255, not %d", code)
		}
		kinds = append(kinds, strconv.Itoa(int(code)))
	}
	switch len(kinds) {
	case 0:
		return "", nil
	case 1:
		return kinds[0], nil
	}
	return "", usagef("give one of --start, --fail, --exit-code and --log, not several")
}

func (e *env) ping(ctx context.Context, cmd *cli.Command) error {
	var slug string
	switch cmd.Args().Len() {
	case 0:
	case 1:
		slug = cmd.Args().First()
	default:
		return usagef("too many arguments %q: give one check slug (flags may follow it)", cmd.Args().Slice())
	}
	kind, err := pingKind(cmd)
	if err != nil {
		return err
	}
	p := api.Ping{Kind: kind, RunID: cmd.String("rid")}
	if p.RunID != "" {
		if _, err := uuid.Parse(p.RunID); err != nil {
			return usagef("--rid %q must be a UUID, e.g. the output of uuidgen", p.RunID)
		}
	}
	if msg := cmd.String("message"); msg == "-" {
		b, err := io.ReadAll(io.LimitReader(e.stdin, core.MaxBodySize))
		if err != nil {
			return fmt.Errorf("read the message from stdin: %w", err)
		}
		p.Body = b
	} else {
		p.Body = []byte(msg)
	}
	p.Host, _ = os.Hostname()

	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	c, err := e.pingClient(cmd, s)
	if err != nil {
		return err
	}
	ref, err := e.resolveCheckRef(ctx, cmd, slug, false)
	if err != nil {
		return err
	}
	p.PublicID = ref.PublicID
	x, err := e.externalsFor(ctx, cmd, s.verbose, false, ref.Key)
	if err != nil {
		return err
	}
	defer x.Close()
	at := time.Now() // when the signal happened, should it wait in the spool
	attempts, err := c.Ping(ctx, p)
	if api.IsStatus(err, http.StatusNotFound) && ref.Cached {
		// The cached public ID is stale (the check was deleted or
		// recreated): refresh once and try again.
		if ref, err = e.resolveCheckRef(ctx, cmd, slug, true); err != nil {
			return err
		}
		p.PublicID = ref.PublicID
		attempts, err = c.Ping(ctx, p)
	}
	// Pakyas first, then the external monitors (external-monitors.md).
	ev, toTargets := x.pingEvent(kind, p.RunID, p.Host, at, p.Body)
	external := toTargets && x.send(ctx, ev)
	if err != nil {
		e.spoolPing(s, ref.Key, p, at, err)
		if x.migration && external {
			migrationWarning(e.stderr, err)
			return nil
		}
		return pingErr(s, ref, attempts, err)
	}
	e.replaySpool(ctx, s, c, false)
	o := e.output(s)
	if s.verbose {
		fmt.Fprintf(e.stderr, "pakyas: %s signal for %s delivered in %d attempt(s)\n", orWord(kind, "success"), ref.PublicID, attempts)
	}
	if o.json {
		return o.JSON(map[string]any{"check": ref.Key, "public_id": ref.PublicID, "kind": orWord(kind, "success"), "attempts": attempts})
	}
	o.printf("Pong! Check '%s' pinged successfully\n", ref.Key)
	return nil
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// pingErr explains a ping that was not delivered.
func pingErr(s *settings, ref *checkRef, attempts int, err error) error {
	if api.IsStatus(err, http.StatusNotFound) {
		if ref.Slug != "" {
			return withCode(exitNotFound, fmt.Sprintf("Check not found: the server knows no check %q (public ID %s)", ref.Slug, ref.PublicID), checkHint)
		}
		return withCode(exitNotFound, fmt.Sprintf("Check not found: no check has the public ID %s", ref.PublicID),
			"check the ID: 'pakyas check show SLUG' prints it")
	}
	ae := s.apiErr(err)
	var he *api.HTTPError
	if !errors.As(err, &he) || he.Temporary() {
		// Not delivered: the server could not be reached or was
		// unavailable, even after the retries.
		return annotate(withExit(ae, exitMonitoring), "ping not delivered after %d attempt(s): ", attempts)
	}
	return annotate(ae, "ping rejected: ")
}

// withExit returns err with its exit code replaced by code.
func withExit(err error, code int) error {
	var ce *codeError
	if errors.As(err, &ce) {
		return &codeError{code: code, err: ce.err}
	}
	return &codeError{code: code, err: err}
}

// annotate prefixes the message of err (keeping its code and hint).
func annotate(err error, format string, args ...any) error {
	var ce *codeError
	var ue *core.Error
	if errors.As(err, &ce) && errors.As(err, &ue) {
		c := *ue
		c.Message = fmt.Sprintf(format, args...) + c.Message
		return &codeError{code: ce.code, err: &c}
	}
	return fmt.Errorf(format+"%w", append(args, err)...)
}
