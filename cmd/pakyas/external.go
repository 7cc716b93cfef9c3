package main

import (
	"math"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/monitor"
)

// externalFlags are the external monitor flags of monitor and ping
// (external-monitors.md); each beats its environment variable, which beats
// external_monitors.toml.
func externalFlags(e *env) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "no-external", Usage: "notify no external monitors (healthchecks.io, Cronitor, webhooks)", Sources: e.envBool("PAKYAS_NO_EXTERNAL")},
		&cli.BoolFlag{Name: "migration-mode", Usage: "when Pakyas cannot be reached but an external monitor took the signal, exit with the job's code and a warning instead of 3 (config: migration_mode)", Sources: e.envBool("PAKYAS_MIGRATION_MODE")},
		&cli.IntFlag{Name: "external-timeout-ms", Value: int(config.DefaultExternalTimeout / time.Millisecond), Usage: "the most pakyas waits for all external monitors together, per signal, in milliseconds", Sources: e.envInt("PAKYAS_EXTERNAL_TIMEOUT_MS", "PAKYAS_EXTERNAL_TIMEOUT_MS=5000", 1, math.MaxInt32)},
		&cli.StringFlag{Name: "external-config", Usage: "external monitors file (default: $XDG_CONFIG_HOME/pakyas/external_monitors.toml or ~/.config/pakyas/external_monitors.toml)"},
	}
}

// externalFlagValues reads the external flags; a bad one is a usage error.
func externalFlagValues(fv flagValues, s *settings) (config.ExternalFlags, error) {
	ms := fv.Int("external-timeout-ms")
	if ms <= 0 {
		return config.ExternalFlags{}, usagef("--external-timeout-ms must be a positive number of milliseconds, e.g. --external-timeout-ms 5000 (or PAKYAS_EXTERNAL_TIMEOUT_MS)")
	}
	f := config.ExternalFlags{
		Off:       fv.Bool("no-external"),
		Migration: fv.Bool("migration-mode"), MigrationSet: fv.IsSet("migration-mode"),
		ConfigPath: fv.String("external-config"),
		Timeout:    time.Duration(ms) * time.Millisecond,
	}
	if s != nil {
		f.Debug = s.debug
	}
	return f, nil
}

// handOffEnv marks a process that a partial pakyas handed its command to
// (handOffTo). Its value is "1", then the names of the environment
// variables the lean pakyas warned about, separated by spaces.
const handOffEnv = "PAKYAS_HANDED_OFF"

// handOffMarker is handOffEnv's value for a hand-off after warnings about
// the environment variables named.
func handOffMarker(warned []string) string {
	return strings.Join(append([]string{"1"}, warned...), " ")
}

// forgetHandOff notes that this process was handed its command (so it
// does not hand it on: handOffTo), clears the marker, so that the job, and
// a pakyas the job runs, do not inherit it, and takes from it the
// environment variables the lean pakyas warned about, so the warnings are
// not given twice.
func (e *env) forgetHandOff() {
	v, ok := os.LookupEnv(handOffEnv)
	if !ok {
		return
	}
	e.handedOff = true
	_ = os.Unsetenv(handOffEnv)
	for _, name := range handOffWarned(v) {
		e.warnedEnv(name)
	}
}

// handOffWarned returns the variables a marker names (handOffMarker).
func handOffWarned(marker string) []string {
	f := strings.Fields(marker)
	if len(f) == 0 {
		return nil
	}
	return f[1:]
}

// externalRun is what a command's external monitors are for one run.
type externalRun struct {
	host      monitor.External // nil: no target applies
	migration bool
	close     func()
}

// Close waits for deliveries in flight and stops every plugin.
func (x *externalRun) Close() {
	if x.close != nil {
		x.close()
	}
}
