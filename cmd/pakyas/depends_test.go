//go:build unix

package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/internal/testutil"
)

// TestDependsOn: through the built binary, a report that depends on a
// database backup: while the backup is Failed the report's failure is held
// (the timeline says why); when the backup recovers, the report, still
// failed, alerts then; a report that recovered meanwhile never alerts.
func TestDependsOn(t *testing.T) {
	u, srv := loggedIn(t)
	hook := testutil.NewReceiver(t, 200)
	ok(t, u.exec("channel", "add", "webhook", hook.URL, "--name", "ops"))
	ok(t, u.exec("check", "create", "--name", "DB", "--slug", "db"))
	ok(t, u.exec("check", "create", "--name", "Report", "--slug", "report", "--depends-on", "db"))
	assert.Contains(t, ok(t, u.exec("check", "show", "report")), "Depends on:     db")
	r := u.exec("check", "update", "db", "--depends-on", "report")
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, `"report" depends on it`)
	out := ok(t, u.exec("check", "update", "report", "--remind-every", "1h", "--depends-on", "db"))
	assert.Contains(t, out, "; reminders every 1h, depends on db.", "an update says what it set")
	ok(t, u.exec("check", "update", "report", "--remind-every", "0"))
	r = u.exec("check", "update", "db", "--depends-on", "db")
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, `check "db" cannot depend on itself`)

	deliver := func() []string {
		_, err := srv.DeliverAlerts(context.Background())
		require.NoError(t, err)
		var got []string
		for _, req := range hook.Drain() {
			var p struct {
				From, To string
				Check    struct{ Slug string }
			}
			require.NoError(t, json.Unmarshal(req.Body, &p), "%s", req.Body)
			got = append(got, p.Check.Slug+" "+p.From+"→"+p.To)
		}
		return got
	}
	run := func(slug, cmd string) {
		t.Helper()
		runJob(t, u.job("monitor", slug, "--", cmd))
	}
	run("db", "true")
	run("report", "true")
	deliver()

	run("db", "false")
	assert.Equal(t, []string{"db up→failed"}, deliver())
	run("report", "false")
	assert.Empty(t, deliver(), "held while db is failed")
	assert.Contains(t, ok(t, u.exec("check", "timeline", "report")), "alert held: it depends on db, which is Failed")
	run("db", "true")
	assert.ElementsMatch(t, []string{"db failed→up", "report up→failed"}, deliver(), "db recovered and report is still failed")

	run("report", "true")
	assert.Equal(t, []string{"report failed→up"}, deliver())
	run("db", "false")
	run("report", "false")
	run("report", "true")
	run("db", "true")
	assert.Equal(t, []string{"db up→failed", "db failed→up"}, deliver(), "report's failure, held and over, never alerts")
}
