//go:build !thin

package main

import (
	"context"

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
	x := external.Open(ctx, f, key, e.getenv, s != nil && s.verbose, quiet, e.stderr)
	// ping and monitor exit once the run is reported: the plugins are
	// asked to shut down, not waited for.
	return &externalRun{host: x.Host.Monitor(), migration: x.Migration, close: x.Release}, nil
}

// handOffForTargets is where the lean build (-tags thin) passes a run with
// external targets to pakyas-host; this executable hosts them itself.
func (e *env) handOffForTargets(flagValues, string) error { return nil }
