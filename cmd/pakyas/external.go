package main

import (
	"context"
	"math"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core/external"
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

// externals reads the external flags and starts the targets of check key
// (external.Open). A bad flag is a usage error. The caller must Close the
// result.
func (e *env) externals(ctx context.Context, cmd *cli.Command, s *settings, quiet bool, key string) (*external.Session, error) {
	ms := cmd.Int("external-timeout-ms")
	if ms <= 0 {
		return nil, usagef("--external-timeout-ms must be a positive number of milliseconds, e.g. --external-timeout-ms 5000 (or PAKYAS_EXTERNAL_TIMEOUT_MS)")
	}
	f := external.Flags{
		Off:       cmd.Bool("no-external"),
		Migration: cmd.Bool("migration-mode"), MigrationSet: cmd.IsSet("migration-mode"),
		ConfigPath: cmd.String("external-config"),
		Timeout:    time.Duration(ms) * time.Millisecond,
		Debug:      s.debug,
	}
	return external.Open(ctx, f, key, e.getenv, s.verbose, quiet, e.stderr), nil
}
