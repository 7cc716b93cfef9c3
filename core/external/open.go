package external

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
)

// Flags are the external monitor settings a command was given, by flag or
// environment (external-monitors.md); they beat external_monitors.toml.
type Flags struct {
	Off bool // --no-external, PAKYAS_NO_EXTERNAL: notify no external monitor
	// Migration is --migration-mode (PAKYAS_MIGRATION_MODE); MigrationSet
	// says it was given, so it beats migration_mode in the file.
	Migration, MigrationSet bool
	// ConfigPath is --external-config; "" is the default place, where a
	// missing file means no targets (a given one must exist).
	ConfigPath string
	Timeout    time.Duration // 0: DefaultTimeout
	Debug      bool          // -vv: the plugin host's debug log too
}

// Session is what Open set up for one command: the targets of its check
// and whether migration mode is on. Close it when the command ends.
type Session struct {
	Host      *Host // nil: no external targets
	Migration bool
}

// Close waits for deliveries in flight and stops every plugin.
func (s *Session) Close() {
	if s != nil && s.Host != nil {
		s.Host.Close()
	}
}

// Open reads external_monitors.toml and starts launching, in the
// background, the targets of the check key (its slug, or its public ID
// when given as one). A file that cannot be read is reported to log and
// means no targets for this run: monitoring never stops a job.
func Open(ctx context.Context, f Flags, key string, getenv func(string) string, verbose, quiet bool, log io.Writer) *Session {
	s := &Session{Migration: f.Migration}
	say := func(format string, args ...any) {
		if verbose {
			fmt.Fprintf(log, "[pakyas] "+format+"\n", args...)
		}
	}
	path := f.ConfigPath
	if path == "" {
		var err error
		if path, err = config.DefaultExternalPath(getenv); err != nil {
			say("External monitors: no config file (%v): no external targets", err)
			return s
		}
	}
	cfg, err := config.LoadExternal(path, f.ConfigPath != "")
	if f.Off {
		say("External monitors: off (--no-external or PAKYAS_NO_EXTERNAL)")
		// migration_mode still counts: with no external monitor, it
		// cannot save a run.
		if err == nil && !f.MigrationSet {
			s.Migration = cfg.MigrationMode
		}
		return s
	}
	if err != nil {
		// The file's own error names it, with the line and column.
		fmt.Fprintf(log, "[pakyas] %s\n[pakyas] External monitors are off for this run: fix %s, or run with --no-external\n",
			console.Line(err.Error()), console.Line(path))
		return s
	}
	if !f.MigrationSet {
		s.Migration = cfg.MigrationMode
	}
	s.Host = Start(ctx, Options{Config: cfg, Key: key, Dirs: SearchPath(getenv), Timeout: f.Timeout,
		Verbose: verbose, Debug: f.Debug && verbose, Quiet: quiet, Log: log})
	if s.Migration {
		say("Migration mode: on")
	}
	return s
}
