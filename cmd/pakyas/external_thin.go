//go:build thin

package main

import (
	"context"

	"github.com/pakyas/pakyas/core/config"
)

// externals reads the external flags and external_monitors.toml for check
// key. This lean executable hosts no target plugin: a run a target applies
// to was handed to pakyas-host before it began (handOffForTargets), so what
// is left here is migration mode and the messages of a file that cannot
// be read. The file is the one handOffForTargets read.
func (e *env) externals(_ context.Context, fv flagValues, s *settings, _ bool, _ string) (*externalRun, error) {
	f, err := externalFlagValues(fv, s)
	if err != nil {
		return nil, err
	}
	if e.external == nil {
		x := config.ReadExternal(f.ConfigPath, e.getenv)
		e.external = &x
	}
	return &externalRun{migration: e.external.Plan(f, s != nil && s.verbose, e.stderr).Migration}, nil
}

// handOffForTargets passes the command to pakyas-host (or pakyas-full),
// which hosts target plugins, when external_monitors.toml has a target that
// may apply to check key. It is called before anything is sent or read from
// stdin, so pakyas-host runs the command from its beginning. Without either
// the run goes on, notifying Pakyas only, and says so.
func (e *env) handOffForTargets(fv flagValues, key string) error {
	f, err := externalFlagValues(fv, nil)
	if err != nil || f.Off {
		return err
	}
	x := config.ReadExternal(f.ConfigPath, e.getenv)
	e.external = &x
	if x.Config == nil || len(x.Config.TargetsFor(key)) == 0 {
		return nil // a file that cannot be read is reported by externals
	}
	err = e.handOff()
	if !fv.Bool("quiet") { // monitor -q: only what explains an exit code of 3
		e.warnf("External targets are configured for %q, but %v; this run notifies Pakyas only", key, err)
	}
	return nil
}
