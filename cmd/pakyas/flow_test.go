package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil/syncbuf"
)

// devServer starts `pakyas server --dev` as a process on a free port of
// 127.0.0.1 and returns the arguments of the login line it prints.
func devServer(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command(pakyasBin, "server", "--dev", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir())
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if runtime.GOOS == "windows" {
			_ = cmd.Process.Kill()
		} else {
			_ = cmd.Process.Signal(os.Interrupt)
		}
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
	}()
	select {
	case line := <-lines:
		fields := strings.Fields(line)
		require.GreaterOrEqual(t, len(fields), 6, "login line %q; stderr: %s", line, stderr.String())
		require.Equal(t, []string{"pakyas", "login", "--api-url"}, fields[:3])
		return fields[1:]
	case <-time.After(time.Minute):
		t.Fatalf("pakyas server --dev printed no login line; stderr: %s", stderr.String())
	}
	return nil
}

// TestFlowAFirstTimeSetup follows the user guide's Flow A with the built
// binary against a real `pakyas server --dev` process.
func TestFlowAFirstTimeSetup(t *testing.T) {
	login := devServer(t)
	u := newUser(t)

	// 2. Login with CLI (the line the dev server printed).
	out := ok(t, u.exec(login...))
	assert.Contains(t, out, "Logged in to http://127.0.0.1:")
	assertMode(t, u.configFile(), 0o600)

	// 3. Select organization and project.
	ok(t, u.exec("org", "create", "My Company"))
	out = ok(t, u.exec("org", "list"))
	assert.Contains(t, out, "My Company")
	out = ok(t, u.exec("org", "switch", "My Company"))
	assert.Contains(t, out, `Switched to organization "My Company"`)
	ok(t, u.exec("project", "create", "Production"))
	ok(t, u.exec("project", "create", "Staging"))
	out = ok(t, u.exec("project", "list"))
	assert.Contains(t, out, "Production")
	assert.Contains(t, out, "Staging")
	out = ok(t, u.exec("project", "switch", "Production"))
	assert.Contains(t, out, `Switched to project "Production"`)

	// 4. Verify your context.
	out = ok(t, u.exec("whoami"))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Regexp(t, `^User: \S+@\S+$`, lines[0])
	assert.Equal(t, "Organization: My Company", lines[1])
	assert.Equal(t, "Project: Production", lines[2])

	// 5. Create your first check.
	out = ok(t, u.exec("check", "create", "--name", "My First Check", "--slug", "my-first-check", "--period", "3600", "--grace", "300"))
	var ch api.Check
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.exec("check", "show", "my-first-check", "--format", "json"))), &ch))
	assert.Contains(t, out, "Monitor with:\n  pakyas monitor my-first-check -- your-command\n")
	assert.Contains(t, out, "CI/CD (no auth required):\n  pakyas monitor --public-id "+ch.PublicID+" -- your-command\n")

	// 6. Test it.
	out = ok(t, u.exec("ping", "my-first-check"))
	assert.Equal(t, "Pong! Check 'my-first-check' pinged successfully\n", out)
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.exec("check", "show", "my-first-check", "--format", "json"))), &ch))
	assert.Equal(t, "up", ch.Status)
	assert.Equal(t, "On Schedule", ch.StatusLabel)
	require.NotEmpty(t, ch.Signals)
	assert.Equal(t, "success", ch.Signals[0].Kind)
}

// TestFlowBAddMonitoringToCron follows the guide's Flow B: a check for an
// existing cron job, pinged by slug with PAKYAS_API_KEY and by public ID
// with no key at all (the `monitor` command itself is tested with it).
func TestFlowBAddMonitoringToCron(t *testing.T) {
	login := devServer(t)
	u := newUser(t)
	ok(t, u.exec(login...))
	apiURL, key := login[2], login[4]

	// 1. Create a check matching the schedule.
	out := ok(t, u.exec("check", "create", "--name", "Hourly Sync", "--slug", "hourly-sync", "--period", "3600", "--grace", "300"))
	assert.Contains(t, out, "pakyas monitor hourly-sync -- your-command")
	var ch api.Check
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.exec("check", "show", "hourly-sync", "--format", "json"))), &ch))

	// 2. The crontab line with the API key in the environment...
	cron := u.with("PAKYAS_API_KEY", key)
	assert.Equal(t, "Pong! Check 'hourly-sync' pinged successfully\n", ok(t, cron.exec("ping", "hourly-sync", "--start")))
	// ... or with the check's ID and no API key or config at all: the
	// guide's `--public_id "$PAKYAS_PUBLIC_ID"`, also when it is empty.
	bare := newUser(t).with("PAKYAS_API_URL", apiURL, "PAKYAS_PUBLIC_ID", ch.PublicID)
	for _, args := range [][]string{
		{"ping", "--public_id", ch.PublicID},
		{"ping", "--public-id", ch.PublicID},
		{"ping", "--public_id", ""},
		{"ping"},
	} {
		out := ok(t, bare.exec(args...))
		assert.Equal(t, "Pong! Check '"+ch.PublicID+"' pinged successfully\n", out, args)
	}
	_, err := os.Stat(bare.configFile())
	assert.True(t, os.IsNotExist(err), "a ping by public ID writes no config")

	// 4. Verify.
	out = ok(t, u.exec("check", "show", "hourly-sync"))
	assert.Contains(t, out, "Hourly Sync (hourly-sync)")
	assert.Contains(t, out, "On Schedule")
	assert.Contains(t, out, "every 1h, grace 5m")
}

// closedURL is the URL of a port on 127.0.0.1 nothing listens on: port
// 1, never a port just closed, which another test's listener may take
// meanwhile.
const closedURL = "http://127.0.0.1:1"

// TestTroubleshooting runs the guide's troubleshooting cases with the
// built binary: each prints what is wrong and the guide's fix, and exits
// with its documented code.
func TestTroubleshooting(t *testing.T) {
	u, srv := loggedIn(t)
	createCheck(t, srv, "db-backup")
	// A second project makes "no project selected" ambiguous.
	me, err := srv.Client(srv.Key).Me(context.Background())
	require.NoError(t, err)
	_, err = srv.Client(srv.Key).CreateProject(context.Background(), me.Orgs[0].ID, "Second", "")
	require.NoError(t, err)
	down := closedURL

	tests := []struct {
		name string
		u    *user
		args []string
		code int
		want []string
	}{
		{"not logged in", newUser(t).with("PAKYAS_API_URL", srv.URL), []string{"check", "list"}, exitAuth,
			[]string{"pakyas: Not logged in", "pakyas login --api-key pk_live_", "export PAKYAS_API_KEY=pk_live_"}},
		{"not logged in, ping by slug", newUser(t).with("PAKYAS_API_URL", srv.URL), []string{"ping", "db-backup"}, exitAuth,
			[]string{"pakyas: Not logged in", "pakyas login --api-key"}},
		{"key refused", u, []string{"whoami", "--api-key", "pk_live_wrong"}, exitAuth,
			[]string{"pakyas: Not logged in", "refused the API key", "pakyas login --api-key"}},
		{"no project selected", newUser(t).with("PAKYAS_API_URL", srv.URL, "PAKYAS_API_KEY", srv.Key), []string{"check", "list"}, exitNoProject,
			[]string{"pakyas: No project selected", "pakyas project list", `pakyas project switch "My Project"`, "export PAKYAS_PROJECT=my-project"}},
		{"project not found", u, []string{"check", "list", "--project", "Nope"}, exitNotFound,
			[]string{`Project "Nope" not found`, "pakyas project list"}},
		{"org not found", u, []string{"--org", "Nope", "check", "list"}, exitNotFound,
			[]string{`Organization "Nope" not found`, "pakyas org list"}},
		{"check not found by ping", u, []string{"ping", "no-such-job"}, exitNotFound,
			[]string{"pakyas: Check not found", "no-such-job", "pakyas check list", "pakyas check sync"}},
		{"check not found by show", u, []string{"check", "show", "no-such-job"}, exitNotFound,
			[]string{"pakyas: Check not found", "pakyas check list", "pakyas check sync"}},
		{"unknown public id", u, []string{"ping", "--public-id", "550e8400-e29b-41d4-a716-446655440000"}, exitNotFound,
			[]string{"Check not found", "550e8400-e29b-41d4-a716-446655440000"}},
		{"server unreachable", u, []string{"check", "list", "--api-url", down}, exitMonitoring,
			[]string{"cannot reach the Pakyas server at " + down, "--api-url", "PAKYAS_API_URL"}},
		{"server unreachable by env", u.with("PAKYAS_API_URL", down), []string{"whoami"}, exitMonitoring,
			[]string{"cannot reach the Pakyas server at " + down, "--api-url", "PAKYAS_API_URL"}},
		{"ping unreachable", u, []string{"ping", "--public-id", "550e8400-e29b-41d4-a716-446655440000", "--api-url", down, "--retries", "1", "--retry-wait", "1ms"}, exitMonitoring,
			[]string{"ping not delivered after 2 attempt(s)", down, "--api-url"}},
		{"bad flag", u, []string{"ping", "db-backup", "--nope"}, exitUsage, []string{"nope"}},
		{"unknown command", u, []string{"chek", "list"}, exitUsage, []string{"unknown command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.u.exec(tt.args...)
			assert.Equal(t, tt.code, r.code, "%s", r)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.Empty(t, r.stdout)
		})
	}
}
