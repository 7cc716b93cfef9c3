//go:build !thin

package main

import (
	"context"
	"os"

	"github.com/pakyas/pakyas/core/external"
)

// externals reads the external flags and starts the targets of check key
// (external.Open). A bad flag is a usage error. The caller must Close the
// result.
func (e *env) externals(ctx context.Context, fv flagValues, s *settings, quiet bool, key string) (*externalRun, error) {
	f, err := externalFlagValues(fv, s)
	if err != nil {
		return nil, err
	}
	x := external.Open(ctx, f, key, e.getenv, s.verbose, quiet, e.stderr)
	// ping and monitor exit once the run is reported: the plugins are
	// asked to shut down, not waited for.
	return &externalRun{host: x.Host.Monitor(), migration: x.Migration, close: x.Release}, nil
}

// forgetHandOff clears the marker a lean pakyas set when it handed its
// command here, so that the job, and a pakyas the job runs, do not
// inherit it, and takes from it the environment variables the lean
// pakyas warned about, so the warnings are not given twice.
func (e *env) forgetHandOff() {
	v, ok := os.LookupEnv(handOffEnv)
	if !ok {
		return
	}
	_ = os.Unsetenv(handOffEnv)
	for _, name := range handOffWarned(v) {
		e.warnedEnv(name)
	}
}

// handOffWhole is where the lean build hands commands that pakyas-full
// answers whole to it; this executable answers them itself.
func (e *env) handOffWhole([]string) {}

// handOffForTargets is where the lean build (-tags thin) passes a run with
// external targets to pakyas-full; this executable hosts them itself.
func (e *env) handOffForTargets(flagValues, string) error { return nil }
