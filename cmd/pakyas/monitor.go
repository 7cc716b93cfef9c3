package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/monitor"
	"github.com/urfave/cli/v3"
)

func monitorCommand(e *env) *cli.Command {
	flags := []cli.Flag{
		publicIDFlag(),
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing of pakyas's own unless the run ends in a monitoring failure (exit 3)"},
		&cli.StringFlag{Name: "output-limit", Value: "4KiB", Usage: "how much of the job's output tail the finish signal carries, e.g. 4096, 16KiB (at most 100000 bytes)"},
		&cli.StringFlag{Name: "capture", Value: "stderr", Usage: "which output goes into the tail: stderr, stdout or both (a captured stream reaches you through a pipe)"},
		&cli.BoolFlag{Name: "no-output", Usage: "send no output; the job's streams are all handed to it as they are"},
		&cli.DurationFlag{Name: "start-timeout", Value: monitor.DefaultStartTimeout, Usage: "the most the start signal (retries included) may delay the job"},
	}
	return &cli.Command{
		Name:  "monitor",
		Usage: "run a job and report its start, exit code, duration and output to a check",
		UsageText: `pakyas monitor [options] SLUG -- COMMAND [ARGS...]
pakyas monitor [options] --public-id UUID -- COMMAND [ARGS...]

Sends a start signal, runs COMMAND with its stdin, stdout and stderr passed
through, then sends the exit code, duration, host, a run id and the last
4 KiB of stderr. Exits with the job's exit code once Pakyas has the finish
signal, and with 3 when it could not be delivered; an undelivered signal is
kept in the spool and delivered by the next pakyas run ('pakyas spool').
SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to the job. See
docs/monitor.md.

Examples:
  pakyas monitor nightly-backup -- ./backup.sh --full
  pakyas monitor --public-id 550e8400-e29b-41d4-a716-446655440000 -- ./deploy.sh
  0 3 * * * pakyas monitor -q nightly-backup -- /usr/local/bin/backup.sh`,
		Flags: append(append(flags, deliveryFlags(e)...), externalFlags(e)...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return e.monitor(ctx, cmd)
		},
	}
}

func (e *env) monitor(ctx context.Context, cmd *cli.Command) error {
	slug, argv, err := monitorArgs(cmd)
	if err != nil {
		return err
	}
	cfg, err := monitorConfig(cmd)
	if err != nil {
		return err
	}
	cfg.Host, _ = os.Hostname()
	cfg.Stdin, cfg.Stdout, cfg.Stderr, cfg.Log = e.stdin, e.stdout, e.stderr, e.stderr
	s, err := e.loadSettings(cmd, true)
	if err != nil {
		// Monitoring never stops a job from running: say what is wrong,
		// run it unmonitored and exit 3.
		printError(e.stderr, err)
		if err := notStarted(ctx); err != nil {
			return err
		}
		return runCode(monitor.Run(ctx, cfg, monitor.Job{Args: argv}, nil))
	}
	cfg.Verbose = s.verbose
	c, err := e.pingClient(cmd, s)
	if err != nil {
		return err
	}
	// Resolving a slug may ask the server (a cache miss, or a cache older
	// than 24 h): a stuck server must delay the job no more than the
	// start signal may, so both share --start-timeout.
	deadline := time.Now().Add(cfg.StartTimeout)
	rctx, cancel := context.WithDeadline(ctx, deadline)
	ref, err := e.resolveCheckRef(rctx, cmd, slug, false)
	cancel()
	cfg.StartTimeout = max(time.Until(deadline), time.Millisecond)
	if isUsage(err) {
		return err
	}
	if err != nil {
		if ref = e.staleRef(s, slug, err); ref == nil {
			printError(e.stderr, err)
		}
	}
	key := slug
	if ref != nil {
		cfg.PublicID, key = ref.PublicID, ref.Key
		e.describeRef(cfg, s, ref, strings.TrimSpace(cmd.String("public-id")) == "")
		if ref.Cached {
			cfg.Refresh = func(ctx context.Context) (string, error) {
				r, err := e.resolveCheckRef(ctx, cmd, slug, true)
				if err != nil {
					return "", err
				}
				return r.PublicID, nil
			}
		}
	}
	x, err := e.externalsFor(ctx, cmd, s.verbose, cfg.Quiet, key)
	if err != nil {
		return err
	}
	defer x.Close()
	cfg.External, cfg.MigrationMode = x.monitorExternal(), x.migration
	if sp := e.spool(); sp != nil {
		cfg.Spool = &spooler{sp: sp, apiURL: s.apiURL, check: key, warn: e.spoolWarn(cfg.Quiet)}
	}
	if err := notStarted(ctx); err != nil {
		return err
	}
	res := monitor.Run(ctx, cfg, monitor.Job{Args: argv}, c)
	if res.FinishDelivered {
		e.replaySpool(ctx, s, c, cfg.Quiet)
	}
	return runCode(res)
}

// notStarted returns an error when pakyas was told to stop (SIGINT,
// SIGTERM: ctx is cancelled) before the job started. From monitor.Run on,
// such signals are passed on to the job; before it, they would be
// swallowed and the job started anyway.
func notStarted(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return &codeError{code: exitError, err: fmt.Errorf("interrupted (%v) before the job started: it did not run", context.Cause(ctx))}
}

// runCode turns a run's result into pakyas's exit (messages were printed).
func runCode(res monitor.Result) error {
	if res.Code == exitOK {
		return nil
	}
	return &codeError{code: res.Code}
}

// monitorArgs splits `[SLUG] -- COMMAND [ARGS...]`. urfave/cli drops the
// "--", so the command is found in the arguments as given.
func monitorArgs(cmd *cli.Command) (slug string, argv []string, err error) {
	raw := cmd.Root().Args().Slice()
	dash := slices.Index(raw, "--")
	all := cmd.Args().Slice()
	if dash < 0 {
		return "", nil, usagef("put the job's command after --: pakyas monitor SLUG -- COMMAND [ARGS...]")
	}
	argv = raw[dash+1:]
	if len(argv) == 0 {
		return "", nil, usagef("missing the job's command after --: pakyas monitor SLUG -- COMMAND [ARGS...]")
	}
	if len(argv) > len(all) {
		return "", nil, usagef("cannot tell the check from the command: pakyas monitor SLUG -- COMMAND [ARGS...]")
	}
	before := all[:len(all)-len(argv)]
	switch len(before) {
	case 0:
		return "", argv, nil
	case 1:
		return before[0], argv, nil
	}
	return "", nil, usagef("too many arguments before --: %q; give one check slug, then -- and the command", before)
}

// monitorConfig reads the output and timing flags.
func monitorConfig(cmd *cli.Command) (monitor.Config, error) {
	cfg := monitor.Config{Quiet: cmd.Bool("quiet"), StartTimeout: cmd.Duration("start-timeout")}
	if cfg.StartTimeout <= 0 {
		return cfg, usagef("--start-timeout must be positive, e.g. --start-timeout 2s")
	}
	capture, err := monitor.ParseCapture(strings.ToLower(cmd.String("capture")))
	if err != nil {
		return cfg, usagef("--capture: %v", err)
	}
	limit, err := parseSize(cmd.String("output-limit"))
	if err != nil {
		return cfg, usagef("--output-limit: %v; e.g. --output-limit 4096 or 16KiB", err)
	}
	if limit > core.MaxBodySize {
		return cfg, usagef("--output-limit %s is more than the server keeps: at most %d bytes", cmd.String("output-limit"), core.MaxBodySize)
	}
	if cmd.Bool("no-output") || limit == 0 {
		if cmd.IsSet("capture") && cmd.Bool("no-output") {
			return cfg, usagef("give --capture or --no-output, not both")
		}
		capture = monitor.CaptureNone
	}
	cfg.Capture, cfg.OutputLimit = capture, int(limit)
	return cfg, nil
}

// parseSize parses a byte count: 4096, 4k, 4KB, 4KiB (all 1024), 1M, 1MiB.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		sfx  string
		mult int64
	}{{"kib", 1 << 10}, {"kb", 1 << 10}, {"k", 1 << 10}, {"mib", 1 << 20}, {"mb", 1 << 20}, {"m", 1 << 20}, {"b", 1}} {
		if v, ok := strings.CutSuffix(t, u.sfx); ok {
			t, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// staleRef falls back to the slug cache when the server could not be
// reached to refresh it: a stale public ID is better than an unmonitored
// run. It returns nil when there is nothing to fall back to.
func (e *env) staleRef(s *settings, slug string, err error) *checkRef {
	var ce *codeError
	if slug == "" || !errors.As(err, &ce) || ce.code != exitMonitoring {
		return nil
	}
	c, cerr := e.openCache()
	if cerr != nil || c == nil {
		return nil
	}
	p := c.Find(s.apiURL, s.org, s.project)
	if p == nil || p.Checks[slug] == "" {
		return nil
	}
	fmt.Fprintf(e.stderr, "[pakyas] Warning: cannot refresh the slug cache (%v); using the cached public ID of %q\n", err, slug)
	return &checkRef{PublicID: p.Checks[slug], Key: slug, Slug: slug, Cached: true}
}

// describeRef prints, with -v, what the check and server resolved to.
func (e *env) describeRef(cfg monitor.Config, s *settings, ref *checkRef, fromEnv bool) {
	if !s.verbose {
		return
	}
	from := "--public-id"
	switch {
	case ref.Slug != "" && ref.Cached:
		from = fmt.Sprintf("slug %q, from the cache", ref.Slug)
	case ref.Slug != "":
		from = fmt.Sprintf("slug %q, from the server", ref.Slug)
	case fromEnv:
		from = "$" + publicIDEnv
	}
	fmt.Fprintf(e.stderr, "[pakyas] Check: public ID %s (%s)\n", ref.PublicID, from)
	fmt.Fprintf(e.stderr, "[pakyas] Server: %s\n", s.apiURL)
	fmt.Fprintf(e.stderr, "[pakyas] Output: %s, last %d bytes; host %q\n", cfg.Capture, cfg.OutputLimit, cfg.Host)
}

var _ monitor.Pinger = (*api.Client)(nil)
