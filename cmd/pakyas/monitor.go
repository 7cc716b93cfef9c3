package main

import (
	"context"
	"fmt"
	"os"

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
		Flags:  append(append(flags, deliveryFlags(e)...), externalFlags(e)...),
		Action: e.monitor,
	}
}

func (e *env) monitor(ctx context.Context, cmd *cli.Command) error {
	arg, argv, err := monitorArgs(cmd)
	if err != nil {
		return err
	}
	fv := flagsOf(cmd)
	cfg, err := monitorConfig(fv)
	if err != nil {
		return err
	}
	slug, publicID, err := e.checkArgs(fv, arg)
	if err != nil {
		return err
	}
	if err := e.handOffForTargets(fv, orWord(slug, publicID)); err != nil {
		return err
	}
	cfg.Host, _ = os.Hostname()
	cfg.Stdin, cfg.Stdout, cfg.Stderr, cfg.Log = e.stdin, e.stdout, e.stderr, e.stderr
	job := monitor.Job{Args: argv}
	key := orWord(slug, publicID)
	s, err := e.settings(cmd)
	if err != nil {
		// Monitoring never stops a job from running: say what is wrong,
		// run it without Pakyas and exit 3. The external monitors still
		// get its signals (in migration mode, one taking the finish
		// makes the run exit with the job's code).
		printError(e.stderr, err)
		x, xerr := e.externals(ctx, fv, nil, cfg.Quiet, key)
		if xerr != nil {
			printError(e.stderr, xerr)
			return runCode(monitor.Run(ctx, cfg, job, nil))
		}
		defer x.Close()
		cfg.MigrationMode = x.migration
		return runCode(monitor.Run(ctx, cfg, job, monitor.Unconfigured(err, x.host)))
	}
	cfg.Verbose = s.verbose
	c, err := e.pingClient(fv, s)
	if err != nil {
		return err
	}
	x, err := e.externals(ctx, fv, s, cfg.Quiet, key)
	if err != nil {
		return err
	}
	defer x.Close()
	cfg.MigrationMode = x.migration
	d := e.files().Deliverer(s.Settings, c, slug, publicID, &monitor.Log{W: e.stderr, Quiet: cfg.Quiet, Verbose: s.verbose})
	d.External = x.host
	if s.verbose {
		fmt.Fprintf(e.stderr, "[pakyas] Server: %s\n", s.APIURL.Value)
		fmt.Fprintf(e.stderr, "[pakyas] Output: %s, last %d bytes; host %q\n", cfg.Capture, cfg.OutputLimit, cfg.Host)
	}
	return runCode(monitor.Run(ctx, cfg, job, d))
}

// runCode turns a run's result into pakyas's exit (messages were printed).
func runCode(res monitor.Result) error {
	switch {
	case res.Interrupted != nil:
		return withCode(exitError, fmt.Sprintf("interrupted (%v) before the job started: it did not run", res.Interrupted), "")
	case res.Code == exitOK:
		return nil
	}
	return &codeError{code: res.Code}
}

// monitorArgs splits `[SLUG] -- COMMAND [ARGS...]` (monitor.SplitArgs).
// urfave/cli drops the "--", so the command is found in the arguments as
// given.
func monitorArgs(cmd *cli.Command) (string, []string, error) {
	slug, argv, err := monitor.SplitArgs(cmd.Root().Args().Slice(), cmd.Args().Slice())
	if err != nil {
		return "", nil, usagef("%v", err)
	}
	return slug, argv, nil
}

// monitorConfig reads the output and timing flags.
func monitorConfig(fv flagValues) (monitor.Config, error) {
	cfg := monitor.Config{Quiet: fv.Bool("quiet"), StartTimeout: fv.Duration("start-timeout")}
	if cfg.StartTimeout <= 0 {
		return cfg, usagef("--start-timeout must be positive, e.g. --start-timeout 2s")
	}
	var err error
	cfg.Capture, cfg.OutputLimit, err = monitor.Output{Capture: fv.String("capture"), CaptureSet: fv.IsSet("capture"),
		Limit: fv.String("output-limit"), None: fv.Bool("no-output")}.Parse()
	if err != nil {
		return cfg, usagef("%v", err)
	}
	return cfg, nil
}
