package config

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core/console"
)

// DefaultExternalTimeout is the external timeout when ExternalFlags.Timeout
// is zero (--external-timeout-ms, external-monitors.md).
const DefaultExternalTimeout = 5 * time.Second

// ExternalFlags are the external monitor settings a command was given, by
// flag or environment (external-monitors.md); they beat
// external_monitors.toml.
type ExternalFlags struct {
	Off bool // --no-external, PAKYAS_NO_EXTERNAL: notify no external monitor
	// Migration is --migration-mode (PAKYAS_MIGRATION_MODE); MigrationSet
	// says it was given, so it beats migration_mode in the file.
	Migration, MigrationSet bool
	// ConfigPath is --external-config; "" is the default place, where a
	// missing file means no targets (a given one must exist).
	ConfigPath string
	Timeout    time.Duration // 0: DefaultExternalTimeout
	Debug      bool          // -vv: the plugin host's debug log too
}

// ExternalPlan is what the flags and external_monitors.toml decide for one
// run, before any plugin is started.
type ExternalPlan struct {
	// Config is the file read, when targets may run; nil when external
	// monitors are off for this run (--no-external, no config directory,
	// a file that cannot be read).
	Config *External
	// Migration says whether migration mode is on.
	Migration bool
}

// HasTargets reports whether a target may apply to the check key: whether
// a plugin has to be started to know.
func (p ExternalPlan) HasTargets(key string) bool {
	return p.Config != nil && len(p.Config.TargetsFor(key)) > 0
}

// PlanExternal reads external_monitors.toml as the flags say. A file that
// cannot be read is reported to log (always: it names the file, line and
// column, and how to go on) and means no targets for this run: monitoring
// never stops a job. With verbose, why there are none is said too.
func PlanExternal(f ExternalFlags, getenv func(string) string, verbose bool, log io.Writer) ExternalPlan {
	p := ExternalPlan{Migration: f.Migration}
	say := func(format string, args ...any) {
		if verbose {
			fmt.Fprintf(log, "[pakyas] "+format+"\n", args...)
		}
	}
	path := f.ConfigPath
	if path == "" {
		var err error
		if path, err = DefaultExternalPath(getenv); err != nil {
			say("External monitors: no config file (%v): no external targets", err)
			return p
		}
	}
	cfg, err := LoadExternal(path, f.ConfigPath != "")
	if f.Off {
		say("External monitors: off (--no-external or PAKYAS_NO_EXTERNAL)")
		// migration_mode still counts: with no external monitor, it
		// cannot save a run.
		if err == nil && !f.MigrationSet {
			p.Migration = cfg.MigrationMode
		}
		return p
	}
	if err != nil {
		// The file's own error names it, with the line and column.
		fmt.Fprintf(log, "[pakyas] %s\n[pakyas] External monitors are off for this run: fix %s, or run with --no-external\n",
			console.Line(err.Error()), console.Line(path))
		return p
	}
	if !f.MigrationSet {
		p.Migration = cfg.MigrationMode
	}
	p.Config = cfg
	return p
}

// LoadExternalAt reads external_monitors.toml at path, or at the default
// place when path is empty (where a missing file, or no config directory,
// means an empty configuration; a given path must exist).
func LoadExternalAt(path string, getenv func(string) string) (*External, error) {
	explicit := strings.TrimSpace(path) != ""
	if !explicit {
		var err error
		if path, err = DefaultExternalPath(getenv); err != nil {
			return &External{}, nil
		}
	}
	return LoadExternal(path, explicit)
}
