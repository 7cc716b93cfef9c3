package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

// TestWhatANewUserNoticed: the small things a new user met walking the
// user guide, each as it should be.
func TestWhatANewUserNoticed(t *testing.T) {
	u, srv := loggedIn(t)
	createCheck(t, srv, "nightly")

	t.Run("running since the run started", func(t *testing.T) {
		srv.Clock.Add(31 * time.Second)
		ok(t, u.run("ping", "nightly", "--start"))
		var ch api.Check
		require.NoError(t, json.Unmarshal([]byte(ok(t, u.run("--format", "json", "check", "show", "nightly"))), &ch))
		require.Equal(t, "running", ch.Status)
		require.NotNil(t, ch.LastStartAt)
		assert.Equal(t, *ch.LastStartAt, *ch.StatusSince, "Running since the start, not since the check was created")
		ok(t, u.run("ping", "nightly"))
	})

	t.Run("the max runtime is shown, and where it comes from", func(t *testing.T) {
		out := ok(t, u.run("check", "show", "nightly"))
		assert.Contains(t, out, "Max runtime:    5m (the grace); a longer run is Overrunning")
		out = ok(t, u.run("check", "create", "--name", "Long", "--slug", "long", "--period", "1d", "--grace", "10m"))
		assert.Contains(t, out, "Max runtime: 10m (the grace)")
		out = ok(t, u.run("check", "create", "--name", "Longer", "--slug", "longer", "--period", "1d", "--max-runtime", "2h"))
		assert.Contains(t, out, "Max runtime: 2h; a longer run is Overrunning")
	})

	t.Run("timeline reasons are whole", func(t *testing.T) {
		ok(t, u.run("ping", "long", "--start"))
		srv.Clock.Add(11 * time.Minute)
		_, err := srv.EvaluateDue(context.Background())
		require.NoError(t, err)
		out := ok(t, u.run("check", "timeline", "long"))
		assert.Regexp(t, `and no finish signal within the max runtime of 10m \(ended [^)]+\)`, out)
		assert.NotContains(t, out, "…")
	})

	t.Run("a fail without an exit code shows none", func(t *testing.T) {
		ok(t, u.run("ping", "nightly", "--fail"))
		out := ok(t, u.run("check", "show", "nightly"))
		assert.NotContains(t, out, "Last exit code")
		assert.Contains(t, out, "failure signal, no exit code")
		ok(t, u.run("ping", "nightly", "--exit-code", "3"))
		out = ok(t, u.run("check", "show", "nightly"))
		assert.Contains(t, out, "Last exit code: 3")
		ok(t, u.run("ping", "nightly", "--exit-code", "0"))
		out = ok(t, u.run("check", "show", "nightly"))
		assert.Regexp(t, `Failed → On Schedule\s+exit code 0`, out, "one wording for a finish with a code")
	})

	t.Run("flag errors name the flag as the help does", func(t *testing.T) {
		r := u.run("ping", "nightly", "--timeout", "3")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, `invalid value "3" for flag --timeout`)
		r = u.run("check", "list", "--bogus")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "flag provided but not defined: --bogus")
	})

	t.Run("a bad slug is a usage error, for every check command", func(t *testing.T) {
		for _, args := range [][]string{{"check", "show", "a/b"}, {"check", "pause", "Backup"}, {"check", "timeline", "../x"},
			{"check", "update", "a/b", "--name", "x"}, {"check", "delete", "a/b"}} {
			r := u.run(args...)
			assert.Equal(t, exitUsage, r.code, "%v: %s", args, r)
			assert.Contains(t, r.stderr, "invalid check slug")
		}
	})

	t.Run("an empty project list says how to make one", func(t *testing.T) {
		other := newUser(t)
		key := testutil.CreateAccount(t, srv.Store, srv.Clock.Now(), "new@example.com", "Empty Org", "")
		ok(t, other.run("login", "--api-url", srv.URL, "--api-key", key))
		out := ok(t, other.run("project", "list"))
		assert.Contains(t, out, `No projects in organization "Empty Org" yet. Create one with: pakyas project create "My Project"`)
	})
}
