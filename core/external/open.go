package external

import (
	"context"
	"fmt"
	"io"

	"github.com/pakyas/pakyas/core/config"
)

// Flags are the external monitor settings a command was given
// (config.ExternalFlags).
type Flags = config.ExternalFlags

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

// Release is Close for a command whose process exits next (Host.Release).
func (s *Session) Release() {
	if s != nil && s.Host != nil {
		s.Host.Release()
	}
}

// Open reads external_monitors.toml (config.PlanExternal) and starts
// launching, in the background, the targets of the check key (its slug, or
// its public ID when given as one). A file that cannot be read is reported
// to log and means no targets for this run: monitoring never stops a job.
func Open(ctx context.Context, f Flags, key string, getenv func(string) string, verbose, quiet bool, log io.Writer) *Session {
	p := config.PlanExternal(f, getenv, verbose, log)
	s := &Session{Migration: p.Migration}
	if p.Config == nil {
		return s
	}
	s.Host = Start(ctx, Options{Config: p.Config, Key: key, Dirs: SearchPath(getenv), Timeout: f.Timeout,
		Verbose: verbose, Debug: f.Debug && verbose, Quiet: quiet, Log: log})
	if s.Migration && verbose {
		fmt.Fprintf(log, "[pakyas] Migration mode: on\n")
	}
	return s
}
