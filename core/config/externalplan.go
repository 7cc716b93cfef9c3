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

// ExternalFile is external_monitors.toml where the flags name it, read
// once: a command decides with it whether targets may apply and, later,
// plans its run (Plan) without reading the file again.
type ExternalFile struct {
	Path   string
	Config *External // nil when it could not be read
	// Err says why Config is nil: no config directory (NoDir) or the
	// file's own error, with its line and column.
	Err   error
	NoDir bool
}

// ReadExternal reads external_monitors.toml at configPath
// (--external-config), or at the default place when it is empty, where a
// missing file is an empty configuration (a given one must exist).
func ReadExternal(configPath string, getenv func(string) string) ExternalFile {
	explicit := strings.TrimSpace(configPath) != ""
	x := ExternalFile{Path: configPath}
	if !explicit {
		var err error
		if x.Path, err = DefaultExternalPath(getenv); err != nil {
			x.Err, x.NoDir = err, true
			return x
		}
	}
	x.Config, x.Err = LoadExternal(x.Path, explicit)
	if x.Err != nil {
		x.Config = nil
	}
	return x
}

// PlanExternal reads external_monitors.toml as the flags say and plans the
// run (ExternalFile.Plan).
func PlanExternal(f ExternalFlags, getenv func(string) string, verbose bool, log io.Writer) ExternalPlan {
	return ReadExternal(f.ConfigPath, getenv).Plan(f, verbose, log)
}

// Plan is what the flags and the file decide for one run. A file that
// cannot be read is reported to log (always: it names the file, line and
// column, and how to go on) and means no targets for this run: monitoring
// never stops a job. With verbose, why there are none is said too.
func (x ExternalFile) Plan(f ExternalFlags, verbose bool, log io.Writer) ExternalPlan {
	p := ExternalPlan{Migration: f.Migration}
	say := func(format string, args ...any) {
		if verbose {
			fmt.Fprintf(log, "[pakyas] "+format+"\n", args...)
		}
	}
	if x.NoDir {
		say("External monitors: no config file (%v): no external targets", x.Err)
		return p
	}
	if f.Off {
		say("External monitors: off (--no-external or PAKYAS_NO_EXTERNAL)")
		// migration_mode still counts: with no external monitor, it
		// cannot save a run.
		if x.Config != nil && !f.MigrationSet {
			p.Migration = x.Config.MigrationMode
		}
		return p
	}
	if x.Err != nil {
		// The file's own error names it, with the line and column.
		fmt.Fprintf(log, "[pakyas] %s\n[pakyas] External monitors are off for this run: fix %s, or run with --no-external\n",
			console.Line(x.Err.Error()), console.Line(x.Path))
		return p
	}
	if !f.MigrationSet {
		p.Migration = x.Config.MigrationMode
	}
	p.Config = x.Config
	return p
}

// LoadExternalAt reads external_monitors.toml at path, or at the default
// place when path is empty (where a missing file, or no config directory,
// means an empty configuration; a given path must exist).
func LoadExternalAt(path string, getenv func(string) string) (*External, error) {
	x := ReadExternal(path, getenv)
	if x.NoDir {
		return &External{}, nil
	}
	return x.Config, x.Err
}
