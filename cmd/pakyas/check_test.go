package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/internal/testutil"
)

func TestCheckCreatePrintsBothMonitorCommands(t *testing.T) {
	u, srv := loggedIn(t)
	out := ok(t, u.exec("check", "create", "--name", "Backup DB", "--slug", "backup-db", "--period", "86400", "--grace", "3600"))
	ch, err := srv.Client(srv.Key).CheckBySlug(context.Background(), mustProject(t, srv), "backup-db")
	require.NoError(t, err)
	want := "Monitor with:\n" +
		"  pakyas monitor backup-db -- your-command\n" +
		"\n" +
		"CI/CD (no auth required):\n" +
		"  pakyas monitor --public-id " + ch.PublicID + " -- your-command\n"
	assert.True(t, strings.HasSuffix(out, want), out)
	assert.Contains(t, out, "Created check 'Backup DB' (backup-db)")
	assert.Contains(t, out, "every 1d, grace 1h")
	assert.Contains(t, out, ch.PingURL)

	// The new slug is pingable at once.
	assert.Equal(t, "Pong! Check 'backup-db' pinged successfully\n", ok(t, u.exec("ping", "backup-db")))
}

func mustProject(t *testing.T, srv *testutil.Server) string {
	t.Helper()
	me, err := srv.Client(srv.Key).Me(context.Background())
	require.NoError(t, err)
	return testProject(t, me)
}

func TestCheckCreateSchedules(t *testing.T) {
	u, _ := loggedIn(t)
	tests := []struct {
		name string
		args []string
		want api.Schedule
		max  int64
	}{
		{"period in seconds", []string{"--name", "A", "--slug", "a", "--period", "3600", "--grace", "300"}, api.Schedule{Kind: "period", Period: 3600, Grace: 300}, 300},
		{"durations", []string{"--name", "B", "--slug", "b", "--period", "1d", "--grace", "90m", "--max-runtime", "2h"}, api.Schedule{Kind: "period", Period: 86400, Grace: 5400}, 7200},
		{"cron", []string{"--name", "C", "--slug", "c", "--cron", "0 2 * * *", "--tz", "Europe/Paris", "--grace", "1800"}, api.Schedule{Kind: "cron", Cron: "0 2 * * *", TZ: "Europe/Paris", Grace: 1800}, 1800},
		{"name only", []string{"--name", "Nightly Backup"}, api.Schedule{Kind: "period", Period: 86400, Grace: 3600}, 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ch api.Check
			out := ok(t, u.run(append([]string{"check", "create", "--format", "json"}, tt.args...)...))
			require.NoError(t, json.Unmarshal([]byte(out), &ch), out)
			assert.Equal(t, tt.want, ch.Schedule)
			assert.Equal(t, tt.max, ch.MaxRuntime)
		})
	}
	r := u.run("check", "create", "--name", "X", "--period", "soon")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--period")
	r = u.run("check", "create", "--name", "X", "--period", "60", "--cron", "* * * * *")
	assert.Equal(t, exitUsage, r.code)
	r = u.run("check", "create", "--period", "60")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--name")
	r = u.run("check", "create", "--name", "Bad", "--slug", "Bad Slug")
	assert.Equal(t, exitUsage, r.code, "a bad argument is a usage error, found before the server is asked")
	assert.Contains(t, r.stderr, `--slug: invalid check slug "Bad Slug"`)
	assert.Contains(t, r.stderr, "hint:")
	r = u.run("check", "create", "--name", "Dup", "--slug", "a")
	assert.Equal(t, exitError, r.code, "%s", r)
}

// TestCheckShowJSON checks the documented JSON shape and that nothing but
// JSON reaches stdout, with --format after the slug (built binary).
func TestCheckShowJSON(t *testing.T) {
	u, srv := loggedIn(t)
	createCheck(t, srv, "my-job")
	ok(t, u.exec("ping", "my-job", "--start", "--rid", "0b9a3c43-2f7e-4d43-9a57-5b8a9b8f0a11"))
	ok(t, u.exec("ping", "my-job", "--exit-code", "3", "--rid", "0b9a3c43-2f7e-4d43-9a57-5b8a9b8f0a11", "-m", "boom"))

	r := u.exec("check", "show", "my-job", "--format", "json")
	require.Equal(t, 0, r.code, "%s", r)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc), "stdout must be only JSON: %q", r.stdout)
	for _, k := range []string{"public_id", "slug", "name", "status", "status_label", "schedule", "signals", "timeline"} {
		assert.Contains(t, doc, k)
	}
	assert.Equal(t, "failed", doc["status"])
	assert.Equal(t, "Failed", doc["status_label"])
	assert.Equal(t, map[string]any{"kind": "period", "period": float64(3600), "grace": float64(300)}, doc["schedule"])

	sigs := doc["signals"].([]any)
	require.Len(t, sigs, 2)
	fail := sigs[0].(map[string]any)
	assert.Equal(t, "fail", fail["kind"])
	assert.Equal(t, float64(3), fail["exit_code"])
	assert.Equal(t, "0b9a3c43-2f7e-4d43-9a57-5b8a9b8f0a11", fail["run_id"])
	assert.Equal(t, "boom", fail["output"])
	assert.NotEmpty(t, fail["at"])

	tl := doc["timeline"].([]any)
	require.NotEmpty(t, tl)
	var reasons []string
	for _, e := range tl {
		en := e.(map[string]any)
		assert.NotEmpty(t, en["at"])
		assert.NotEmpty(t, en["kind"])
		if en["kind"] == "transition" {
			reasons = append(reasons, en["reason"].(string))
		}
	}
	assert.NotEmpty(t, reasons, "transitions carry their reason")

	// PAKYAS_FORMAT=json works the same.
	r = u.with("PAKYAS_FORMAT", "json").exec("check", "show", "my-job")
	require.Equal(t, 0, r.code)
	assert.True(t, json.Valid([]byte(r.stdout)))
}

func TestCheckShowTable(t *testing.T) {
	u, srv := loggedIn(t)
	createCheck(t, srv, "my-job")
	ok(t, u.run("ping", "my-job", "--fail", "-m", "exit status 1"))
	out := ok(t, u.run("check", "show", "my-job"))
	for _, want := range []string{"my-job (my-job)", "Status:", "Failed", "every 1h, grace 5m", "Last signals:", "fail", "exit status 1", "Timeline", "New → Failed", "failure signal, no exit code", "Public ID:"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "\x1b[", "no colour when stdout is not a terminal")
}

func TestCheckListWithOrgFlag(t *testing.T) {
	srv := testutilServerWithOrgs(t, "Company A")
	u := newUser(t)
	ok(t, u.run("login", "--api-url", srv.URL, "--api-key", srv.Key))
	r := u.run("check", "list")
	assert.Equal(t, exitNoProject, r.code, "two projects, none selected")
	ok(t, u.run("project", "switch", "test project"))
	createCheck(t, srv, "in-test-org")
	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	var companyA api.Org
	for _, o := range me.Orgs {
		if o.Name == "Company A" {
			companyA = o
		}
	}
	name := "in-company-a"
	_, err = c.CreateCheck(context.Background(), companyA.Projects[0].ID, api.CheckInput{Name: &name, Slug: &name})
	require.NoError(t, err)

	out := ok(t, u.exec("check", "list"))
	assert.Contains(t, out, "in-test-org")
	assert.NotContains(t, out, "in-company-a")

	out = ok(t, u.exec("--org", "Company A", "check", "list"))
	assert.Contains(t, out, "in-company-a")
	assert.NotContains(t, out, "in-test-org")
	out = ok(t, u.exec("check", "list", "--org", "company a"))
	assert.Contains(t, out, "in-company-a")

	var checks []api.Check
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.exec("check", "list", "--format", "json"))), &checks))
	require.Len(t, checks, 1)
	assert.Equal(t, "in-test-org", checks[0].Slug)
	lines := strings.Split(strings.TrimSpace(ok(t, u.exec("check", "list"))), "\n")
	require.Len(t, lines, 2)
	assert.Regexp(t, `^SLUG\s+NAME\s+STATUS\s+SCHEDULE\s+LAST SIGNAL$`, lines[0])
	assert.Equal(t, strings.Index(lines[0], "STATUS"), strings.Index(lines[1], "New"), "columns are aligned")
}

func TestCheckLifecycle(t *testing.T) {
	u, srv := loggedIn(t)
	createCheck(t, srv, "my-job")
	show := func() api.Check {
		var ch api.Check
		require.NoError(t, json.Unmarshal([]byte(ok(t, u.run("check", "show", "my-job", "--format", "json"))), &ch))
		return ch
	}

	out := ok(t, u.run("check", "update", "my-job", "--grace", "600", "--name", "My Job"))
	assert.Contains(t, out, "Updated check 'My Job'")
	ch := show()
	assert.Equal(t, int64(600), ch.Schedule.Grace)
	assert.Equal(t, int64(3600), ch.Schedule.Period)
	assert.Equal(t, "My Job", ch.Name)

	r := u.run("check", "update", "my-job")
	assert.Equal(t, exitUsage, r.code)

	assert.Contains(t, ok(t, u.run("check", "pause", "my-job")), "Paused check 'my-job'")
	assert.Equal(t, "paused", show().Status)
	assert.Contains(t, ok(t, u.run("check", "resume", "my-job")), "Resumed check 'my-job'")
	assert.NotEqual(t, "paused", show().Status)

	// Renaming the slug keeps the cache right.
	ok(t, u.run("check", "list"))
	ok(t, u.run("check", "update", "my-job", "--slug", "renamed"))
	assert.Equal(t, "Pong! Check 'renamed' pinged successfully\n", ok(t, u.run("ping", "renamed")))

	assert.Contains(t, ok(t, u.run("check", "delete", "renamed")), "Deleted check 'renamed'")
	r = u.run("check", "show", "renamed")
	assert.Equal(t, exitNotFound, r.code)
	r = u.run("ping", "renamed")
	assert.Equal(t, exitNotFound, r.code)
	assert.Contains(t, r.stderr, "Check not found")
}

func TestCheckTimelinePagesThroughEverything(t *testing.T) {
	u, srv := loggedIn(t)
	ch := createCheck(t, srv, "busy")
	c := srv.Client("")
	const pings = 130 // more than one page of timelinePage entries
	for i := 0; i < pings; i++ {
		kind := ""
		if i%2 == 1 {
			kind = "fail"
		}
		_, err := c.Ping(context.Background(), api.Ping{PublicID: ch.PublicID, Kind: kind})
		require.NoError(t, err)
	}
	var entries []api.TimelineEntry
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.run("check", "timeline", "busy", "--format", "json"))), &entries))
	signals := 0
	seen := map[int64]bool{}
	for _, e := range entries {
		assert.False(t, seen[e.ID], "entry %d twice", e.ID)
		seen[e.ID] = true
		if e.Kind == "signal" {
			signals++
		}
	}
	assert.Equal(t, pings, signals)
	assert.Greater(t, len(entries), 100, "more than one page")

	require.NoError(t, json.Unmarshal([]byte(ok(t, u.run("check", "timeline", "busy", "--format", "json", "--limit", "7"))), &entries))
	assert.Len(t, entries, 7)

	out := ok(t, u.run("check", "timeline", "busy", "--limit", "3"))
	assert.Contains(t, out, "TIME")
	assert.Contains(t, out, "REASON")
}

func TestFmtSeconds(t *testing.T) {
	for in, want := range map[int64]string{0: "0s", 30: "30s", 300: "5m", 3600: "1h", 5400: "1h30m", 86400: "1d", 604800: "7d", 90061: "1d1h1m1s"} {
		assert.Equal(t, want, console.Seconds(in), in)
	}
}
