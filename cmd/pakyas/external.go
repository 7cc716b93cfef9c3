package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/monitor"
	"github.com/pakyas/pakyas/core/target"
)

// externalFlags are the external monitor flags of monitor and ping
// (external-monitors.md); each beats its environment variable, which beats
// external_monitors.toml.
func externalFlags(e *env) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "no-external", Usage: "notify no external monitors (healthchecks.io, Cronitor, webhooks)", Sources: e.envBool("PAKYAS_NO_EXTERNAL")},
		&cli.BoolFlag{Name: "migration-mode", Usage: "when Pakyas cannot be reached but an external monitor took the signal, exit with the job's code and a warning instead of 3 (config: migration_mode)", Sources: e.envBool("PAKYAS_MIGRATION_MODE")},
		&cli.IntFlag{Name: "external-timeout-ms", Value: int(external.DefaultTimeout / time.Millisecond), Usage: "the most pakyas waits for all external monitors together, per signal, in milliseconds", Sources: e.envInt("PAKYAS_EXTERNAL_TIMEOUT_MS", "PAKYAS_EXTERNAL_TIMEOUT_MS=5000", 1, math.MaxInt32)},
		&cli.StringFlag{Name: "external-config", Usage: "external monitors file (default: $XDG_CONFIG_HOME/pakyas/external_monitors.toml or ~/.config/pakyas/external_monitors.toml)"},
	}
}

// externals are the external monitors of one command for one check.
type externals struct {
	host      *external.Host // nil: none
	migration bool
	key       string
}

// externalsFor reads the external flags and external_monitors.toml and
// starts launching the targets of check key in the background. A bad flag
// is a usage error; a bad file is printed and means no targets (monitoring
// never stops a job). The caller must Close the result.
func (e *env) externalsFor(ctx context.Context, cmd *cli.Command, verbose, quiet bool, key string) (*externals, error) {
	ms := cmd.Int("external-timeout-ms")
	if ms <= 0 {
		return nil, usagef("--external-timeout-ms must be a positive number of milliseconds, e.g. --external-timeout-ms 5000 (or PAKYAS_EXTERNAL_TIMEOUT_MS)")
	}
	x := &externals{migration: cmd.Bool("migration-mode"), key: key}
	explicit := strings.TrimSpace(cmd.String("external-config"))
	path := explicit
	if path == "" {
		var err error
		if path, err = config.DefaultExternalPath(e.getenv); err != nil {
			// No home directory, so no file: no targets, silently.
			if verbose {
				fmt.Fprintf(e.stderr, "[pakyas] External monitors: no config file (%v): no external targets\n", err)
			}
			return x, nil
		}
	}
	var cfg *config.External
	if cmd.Bool("no-external") {
		if verbose {
			fmt.Fprintf(e.stderr, "[pakyas] External monitors: off (--no-external or PAKYAS_NO_EXTERNAL)\n")
		}
		// migration_mode still counts: with no external monitor, it
		// cannot save a run.
		if c, err := config.LoadExternal(path, explicit != ""); err == nil && !cmd.IsSet("migration-mode") {
			x.migration = c.MigrationMode
		}
		return x, nil
	}
	cfg, err := config.LoadExternal(path, explicit != "")
	if err != nil {
		printError(e.stderr, fmt.Errorf("%w\nexternal monitors are off for this run", err))
		return x, nil
	}
	if !cmd.IsSet("migration-mode") {
		x.migration = cfg.MigrationMode
	}
	x.host = external.Start(ctx, external.Options{
		Config:  cfg,
		Key:     key,
		Dirs:    external.SearchPath(e.getenv),
		Timeout: time.Duration(ms) * time.Millisecond,
		Verbose: verbose,
		Quiet:   quiet,
		Log:     e.stderr,
	})
	if verbose && x.migration {
		fmt.Fprintf(e.stderr, "[pakyas] Migration mode: on\n")
	}
	return x, nil
}

// Close waits for deliveries in flight (each bounded by the timeout) and
// stops every plugin.
func (x *externals) Close() {
	if x == nil || x.host == nil {
		return
	}
	x.host.Close()
}

// send delivers ev to every target and reports whether one took it.
func (x *externals) send(ctx context.Context, ev target.Event) bool {
	if x == nil || x.host == nil {
		return false
	}
	ok := false
	for _, r := range x.host.Send(ctx, ev) {
		ok = ok || r.Err == nil
	}
	return ok
}

// monitorExternal adapts x to monitor.External; nil when there are no
// targets.
func (x *externals) monitorExternal() monitor.External {
	if x == nil || x.host == nil || x.host.Targets() == 0 {
		return nil
	}
	return (*monitorExternals)(x)
}

// monitorExternals is externals as monitor.Run uses them.
type monitorExternals externals

// Start sends the start event in the background: the job does not wait.
func (m *monitorExternals) Start(ctx context.Context, ev monitor.Event) {
	x := (*externals)(m)
	x.host.Post(ctx, x.event(ev))
}

// Finish sends the finish event and waits for the answers, at most the
// external timeout, whether Pakyas got the signal or not: an exiting
// process would drop deliveries in flight.
func (m *monitorExternals) Finish(ctx context.Context, ev monitor.Event, _ bool) bool {
	x := (*externals)(m)
	return x.send(ctx, x.event(ev))
}

// event turns a monitor event into a target event.
func (x *externals) event(ev monitor.Event) target.Event {
	out := target.Event{CheckIdentifier: x.key, Type: target.EventType(ev.Kind), RunID: ev.RunID, Host: ev.Host,
		Timestamp: ev.At, Duration: ev.Duration, Output: string(ev.Output)}
	if ev.Kind != "start" {
		out.ExitCode = new(ev.ExitCode)
	}
	return out
}

// pingEvent turns a `pakyas ping` signal kind ("" success, start, fail, log
// or an exit code) into a target event; false for log, which targets do
// not take.
func (x *externals) pingEvent(kind, runID, host string, at time.Time, body []byte) (target.Event, bool) {
	ev := target.Event{CheckIdentifier: x.key, RunID: runID, Host: host, Timestamp: at, Output: string(body)}
	switch kind {
	case "", "success":
		ev.Type, ev.ExitCode = target.Success, new(0)
	case "start":
		ev.Type = target.Start
	case "fail":
		ev.Type = target.Fail
	case "log":
		return ev, false
	default:
		code, err := strconv.Atoi(kind)
		if err != nil {
			return ev, false
		}
		ev.Type, ev.ExitCode = target.Success, new(code)
		if code != 0 {
			ev.Type = target.Fail
		}
	}
	return ev, true
}

// migrationWarning prints the warning of a run that only an external
// monitor reported (external-monitors.md, "Migration mode").
func migrationWarning(w io.Writer, reason error) {
	fmt.Fprintln(w, monitor.MigrationWarning(reason))
}
