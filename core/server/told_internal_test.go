package server

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// The tests of this file drive alert decisions against what a check's
// alerts last announced (core.CheckState.Told) through pauses, replays
// from a spool, --alert-after, depends-on, reminders and channels. Each
// is a bug a review found: the comment says what happened before.

const (
	sigOK   = core.SignalSuccess
	sigFail = core.SignalFail
)

// alertRig is a server with the injected clock and two checks, db and
// report (hourly, 5 minutes of grace; report depends on db when asked),
// and one webhook channel, ops, that takes every alert of the
// organization.
type alertRig struct {
	t          *testing.T
	s          *Server
	clock      *fakeClock
	key        string
	db, report *core.Check
	ops        *core.Channel
	log        []core.Alert // every alert queued so far (alerts)
}

func newAlertRig(t *testing.T, dependent bool) *alertRig {
	t.Helper()
	s, clock, db, key := newTestServer(t)
	ctx := context.Background()
	db.Slug, db.Name = "db", "db"
	require.NoError(t, s.store.UpdateCheck(ctx, db))
	r := &alertRig{t: t, s: s, clock: clock, key: key, db: db}
	if dependent {
		report := *db
		report.ID, report.PublicID, report.Slug, report.Name, report.DependsOn = uuid.NewString(), uuid.NewString(), "report", "report", db.ID
		require.NoError(t, s.store.CreateCheck(ctx, &report))
		r.report = &report
	}
	r.ops = &core.Channel{ID: uuid.NewString(), OrgID: db.OrgID, Name: "ops", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/x", CreatedAt: clock.Now()}
	require.NoError(t, s.store.CreateChannel(ctx, r.ops))
	return r
}

// bothFail has db and report succeed, then, a minute later, fail: db's
// failure is alerted, and report's is held while db is Failed.
func (r *alertRig) bothFail() {
	r.t.Helper()
	r.ping(r.db, sigOK, 0)
	r.ping(r.report, sigOK, 0)
	r.clock.add(time.Minute)
	r.ping(r.db, sigFail, 0)
	r.ping(r.report, sigFail, 0)
}

// set changes c's settings in the store, as an older version left them.
func (r *alertRig) set(c *core.Check, fn func(c *core.Check)) {
	r.t.Helper()
	got, err := r.s.store.Check(context.Background(), c.ID)
	require.NoError(r.t, err)
	fn(got)
	require.NoError(r.t, r.s.store.UpdateCheck(context.Background(), got))
}

// ping sends c a signal that happened ago before it arrives (0: live).
func (r *alertRig) ping(c *core.Check, kind core.SignalKind, ago time.Duration) {
	r.t.Helper()
	r.run(c, kind, "", r.clock.Now().Add(-ago))
}

// run sends c a signal of run rid that happened at occurred.
func (r *alertRig) run(c *core.Check, kind core.SignalKind, rid string, occurred time.Time) {
	r.t.Helper()
	reqs := []*ingestReq{{publicID: c.PublicID, done: make(chan error, 1),
		sig: core.Signal{Kind: kind, RunID: rid, OccurredAt: occurred, ReceivedAt: r.clock.Now()}}}
	r.s.ingest.commit(reqs)
	require.NoError(r.t, <-reqs[0].done)
}

// eval lets d pass and runs the evaluation loop.
func (r *alertRig) eval(d time.Duration) {
	r.t.Helper()
	r.clock.add(d)
	for range 3 {
		_, err := r.s.EvaluateDue(context.Background())
		require.NoError(r.t, err)
	}
}

// change runs fn as the API's check update, pause and resume do.
func (r *alertRig) change(c *core.Check, fn func(ch *core.Check, now time.Time) (status.Result, error)) {
	r.t.Helper()
	_, err := r.s.changeCheckID(httptest.NewRequest("POST", "/", nil), c.ID, fn)
	require.NoError(r.t, err)
}

func (r *alertRig) pause(c *core.Check, until time.Time) {
	r.change(c, func(ch *core.Check, now time.Time) (status.Result, error) {
		return status.PauseUntil(ch, now, until, "paused"), nil
	})
}

func (r *alertRig) resume(c *core.Check) {
	r.change(c, func(ch *core.Check, now time.Time) (status.Result, error) { return status.Resume(ch, now), nil })
}

func (r *alertRig) update(c *core.Check, fn func(ch *core.Check)) {
	r.change(c, func(ch *core.Check, now time.Time) (status.Result, error) {
		fn(ch)
		return status.Reschedule(ch, now), nil
	})
}

// api calls the JSON API as the admin and requires a 2xx answer.
func (r *alertRig) api(method, path, body string) {
	r.t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	r.s.Handler().ServeHTTP(w, req)
	require.Less(r.t, w.Code, 300, "%s %s: %s", method, path, w.Body.String())
}

// alerts returns every alert queued so far about c, "from→to (reason)",
// in order.
func (r *alertRig) alerts(c *core.Check) []string {
	r.t.Helper()
	ctx := context.Background()
	for range 100 {
		due, err := r.s.store.DueAlerts(ctx, r.clock.Now().Add(10000*time.Hour), 0)
		require.NoError(r.t, err)
		if len(due) == 0 {
			break
		}
		for i := range due {
			r.log = append(r.log, due[i])
			due[i].State = core.AlertDelivered
			require.NoError(r.t, r.s.store.UpdateAlert(ctx, &due[i]))
		}
	}
	var out []string
	for _, a := range r.log {
		if a.CheckID == c.ID {
			out = append(out, string(a.Message.From)+"→"+string(a.Message.To)+" ("+a.Message.Reason+")")
		}
	}
	return out
}

// transitions returns alerts without their reasons.
func (r *alertRig) transitions(c *core.Check) []string {
	var out []string
	for _, a := range r.alerts(c) {
		out = append(out, a[:strings.Index(a, " (")])
	}
	return out
}

func (r *alertRig) state(c *core.Check) core.CheckState {
	r.t.Helper()
	got, err := r.s.store.Check(context.Background(), c.ID)
	require.NoError(r.t, err)
	return got.State
}

// notes returns c's timeline notes, oldest first, one a line.
func (r *alertRig) notes(c *core.Check) string {
	r.t.Helper()
	es, err := r.s.store.Timeline(context.Background(), c.ID, core.TimelinePage{Limit: 500, Kinds: []core.EntryKind{core.EntryNote}})
	require.NoError(r.t, err)
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Reason)
	}
	return strings.Join(out, "\n")
}

// Before: a check resumed into Failed (its run failed while it was
// paused) was never alerted, however often it failed after the resume:
// the resume was skipped and every later failure was failed→failed.
func TestResumeIntoFailedIsAlerted(t *testing.T) {
	t.Run("not told before the pause: alerted at the resume", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.ping(r.db, sigOK, 0)
		r.pause(r.db, time.Time{})
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0) // ran and failed during the maintenance window
		r.clock.add(time.Minute)
		r.resume(r.db)
		assert.Equal(t, []string{"paused→failed (resumed; its last run failed)"}, r.alerts(r.db))
		for range 3 {
			r.clock.add(time.Hour)
			r.ping(r.db, sigFail, 0)
		}
		assert.Len(t, r.alerts(r.db), 1, "once")
	})
	t.Run("told before the pause: not again, and the timeline says why", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.ping(r.db, sigOK, 0)
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		r.pause(r.db, time.Time{})
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		r.resume(r.db)
		assert.Equal(t, []string{"up→failed"}, r.transitions(r.db))
		assert.Contains(t, r.notes(r.db), "no alert: Failed was already alerted")
	})
	t.Run("--alert-after counts on", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.set(r.db, func(c *core.Check) { c.AlertAfter = 3 })
		r.ping(r.db, sigOK, 0)
		r.pause(r.db, time.Time{})
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		r.resume(r.db)
		assert.Empty(t, r.alerts(r.db))
		assert.Contains(t, r.notes(r.db), "alert held: 1 of 3 failures (--alert-after 3)")
		for range 2 {
			r.clock.add(time.Hour)
			r.ping(r.db, sigFail, 0)
		}
		assert.Equal(t, []string{"paused→failed (3 failures in a row (--alert-after 3))"}, r.alerts(r.db))
	})
}

// Before: a Missing check (alerted), paused, fixed and resumed On Schedule
// sent no recovery: the PagerDuty incident and the Opsgenie alert stayed
// open.
func TestResumeOnScheduleIsARecovery(t *testing.T) {
	t.Run("resumed", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.ping(r.db, sigOK, 0)
		r.eval(66 * time.Minute) // Missing, alerted
		r.pause(r.db, time.Time{})
		r.clock.add(10 * time.Minute)
		r.ping(r.db, sigOK, 0) // fixed during the maintenance
		r.resume(r.db)
		require.Equal(t, []string{"late→down", "down→up"}, r.transitions(r.db))
		assert.Equal(t, "down→up (resumed; its last run succeeded)", r.alerts(r.db)[1])
		assert.Empty(t, r.state(r.db).Told)
	})
	t.Run("the pause ended", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.ping(r.db, sigOK, 0)
		r.eval(66 * time.Minute)
		r.pause(r.db, r.clock.Now().Add(30*time.Minute))
		r.clock.add(10 * time.Minute)
		r.ping(r.db, sigOK, 0)
		r.eval(21 * time.Minute)
		assert.Equal(t, []string{"late→down", "down→up"}, r.transitions(r.db))
	})
}

// Before: a replayed change (signals a spool sent late) skipped
// --alert-after, depends-on, and "a recovery alerts only when the failure
// did".
func TestReplayedChangesKeepTheHolds(t *testing.T) {
	t.Run("one replayed failure of --alert-after 3", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.set(r.db, func(c *core.Check) { c.AlertAfter = 3 })
		r.ping(r.db, sigOK, 0)
		r.clock.add(40 * time.Minute)
		r.ping(r.db, sigFail, 30*time.Minute)
		r.eval(replaySettle)
		assert.Empty(t, r.alerts(r.db), "1 of 3 failures")
		assert.Contains(t, r.notes(r.db), "the replay ended (On Schedule → Failed); alert held: 1 of 3 failures (--alert-after 3)")
		for range 2 {
			r.clock.add(time.Hour)
			r.ping(r.db, sigFail, 0)
		}
		assert.Equal(t, []string{"up→failed (3 failures in a row (--alert-after 3))"}, r.alerts(r.db))
	})
	t.Run("the replayed recovery of a failure nobody was told about", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.set(r.db, func(c *core.Check) { c.AlertAfter = 3 })
		r.ping(r.db, sigOK, 0)
		r.clock.add(30 * time.Minute)
		t0 := r.clock.Now()
		r.ping(r.db, sigFail, 0) // held, 1 of 3
		r.clock.add(3 * time.Minute)
		r.ping(r.db, sigOK, r.clock.Now().Sub(t0.Add(time.Minute))) // its success, 2 minutes late from the spool
		r.eval(replaySettle)
		assert.Empty(t, r.alerts(r.db), "a recovery alerts only when the failure did")
		assert.Contains(t, r.notes(r.db), "no alert: the failure was not alerted (1 of 3 failures)")
	})
	t.Run("a dependent's replayed failure while its parent is Failed", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.ping(r.db, sigOK, 0)
		r.ping(r.report, sigOK, 0)
		r.clock.add(40 * time.Minute)
		r.ping(r.db, sigFail, 0)
		r.ping(r.report, sigFail, 5*time.Minute)
		r.eval(replaySettle)
		assert.Empty(t, r.alerts(r.report), "held while db is Failed")
		assert.Contains(t, r.notes(r.report), "alert held: it depends on db, which is Failed")
		r.clock.add(time.Minute)
		r.ping(r.db, sigOK, 0)
		assert.Equal(t, []string{"up→failed (db recovered; this check is still Failed)"}, r.alerts(r.report))
	})
}

// Before: a dependent's held alert was lost for good when its parent was
// deleted or its depends_on removed: it kept failing, nothing was sent,
// and its timeline promised an alert that could never come.
func TestDependencyHoldEndsWhenTheParentGoes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		end   func(r *alertRig)
		after bool // alerted at the report's next failure, not at once
		want  string
	}{
		{"the parent is deleted", func(r *alertRig) { r.api("DELETE", "/checks/"+r.db.ID, "") }, false,
			"up→failed (db was deleted; this check is still Failed)"},
		{"depends_on is removed", func(r *alertRig) { r.api("PATCH", "/checks/"+r.report.ID, `{"depends_on": ""}`) }, false,
			"up→failed (it no longer depends on db; this check is still Failed)"},
		{"the parent is gone from the store", func(r *alertRig) {
			require.NoError(r.t, r.s.store.DeleteCheck(context.Background(), r.db.ID))
		}, true, "up→failed (the check it depended on was deleted; this check is still Failed)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newAlertRig(t, true)
			r.ping(r.db, sigOK, 0)
			r.ping(r.report, sigOK, 0)
			r.clock.add(time.Minute)
			r.ping(r.db, sigFail, 0)
			r.ping(r.report, sigFail, 0) // held
			tt.end(r)
			if tt.after {
				assert.Empty(t, r.alerts(r.report))
			}
			for range 3 {
				r.clock.add(time.Hour)
				r.ping(r.report, sigFail, 0)
			}
			assert.Equal(t, []string{tt.want}, r.alerts(r.report))
			assert.Empty(t, r.state(r.report).DepHeld)
			assert.Contains(t, r.notes(r.report), "alert sent: "+tt.want[len("up→failed ("):len(tt.want)-1])
		})
	}
}

// Before: the dependents of a parent that was merely paused (a project
// pause too) or went from Failed to Overrunning were told "db recovered;
// this check is still Failed". Now a parent that has not recovered keeps
// holding what it held; its recovery releases it.
func TestParentPauseOrOverrunKeepsTheHold(t *testing.T) {
	setup := func(t *testing.T) *alertRig {
		r := newAlertRig(t, true)
		r.ping(r.db, sigOK, 0)
		r.ping(r.report, sigOK, 0)
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		r.ping(r.report, sigFail, 0) // held
		return r
	}
	released := []string{"up→failed (db recovered; this check is still Failed)"}
	t.Run("the parent is paused, then resumed On Schedule", func(t *testing.T) {
		r := setup(t)
		r.pause(r.db, time.Time{})
		assert.Empty(t, r.alerts(r.report), "pausing never alerts; db did not recover")
		r.clock.add(time.Minute)
		r.ping(r.db, sigOK, 0)
		r.resume(r.db)
		assert.Equal(t, []string{"up→failed", "failed→up"}, r.transitions(r.db))
		assert.Equal(t, released, r.alerts(r.report))
	})
	t.Run("the project is paused and resumed", func(t *testing.T) {
		r := setup(t)
		r.api("POST", "/projects/"+r.db.ProjectID+"/pause", "")
		assert.Empty(t, r.alerts(r.report))
		r.api("POST", "/projects/"+r.db.ProjectID+"/resume", "")
		assert.Empty(t, r.alerts(r.report), "db resumed Failed: still held")
		assert.Contains(t, r.notes(r.report), "alert held: it depends on db, which is Failed")
	})
	t.Run("the parent goes from Failed to Overrunning", func(t *testing.T) {
		r := setup(t)
		r.clock.add(time.Minute)
		r.ping(r.db, core.SignalStart, 0)
		r.eval(30 * time.Minute)
		assert.Equal(t, []string{"up→failed", "failed→overrunning"}, r.transitions(r.db))
		assert.Empty(t, r.alerts(r.report), "db did not recover")
		r.ping(r.db, sigOK, 0)
		assert.Equal(t, released, r.alerts(r.report))
	})
	t.Run("a failure while the parent is paused, not held before", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.ping(r.db, sigOK, 0)
		r.ping(r.report, sigOK, 0)
		r.pause(r.db, time.Time{})
		r.clock.add(time.Minute)
		r.ping(r.report, sigFail, 0)
		assert.Equal(t, []string{"up→failed"}, r.transitions(r.report), "db is not Missing or Failed")
	})
}

// Before: depends-on and --alert-after ignored each other: db's recovery
// alerted a dependent's failure at 1 of 3, and the N-th failure in a row
// alerted while the parent was Failed.
func TestDependsOnAndAlertAfterTogether(t *testing.T) {
	t.Run("the parent recovers at 1 of 3 failures", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.set(r.report, func(c *core.Check) { c.AlertAfter = 3 })
		r.bothFail()
		r.clock.add(time.Minute)
		r.ping(r.db, sigOK, 0)
		assert.Empty(t, r.alerts(r.report), "1 of 3 failures")
		assert.Contains(t, r.notes(r.report), "db recovered; alert held: 1 of 3 failures (--alert-after 3)")
		for range 2 {
			r.clock.add(time.Hour)
			r.ping(r.db, sigOK, 0)
			r.ping(r.report, sigFail, 0)
		}
		assert.Equal(t, []string{"up→failed (3 failures in a row (--alert-after 3))"}, r.alerts(r.report))
	})
	t.Run("the N-th failure while the parent is Failed", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.set(r.report, func(c *core.Check) { c.AlertAfter = 2 })
		r.ping(r.db, sigOK, 0)
		r.ping(r.report, sigOK, 0)
		r.clock.add(time.Minute)
		r.ping(r.report, sigFail, 0) // 1 of 2
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		r.clock.add(time.Minute)
		r.ping(r.report, sigFail, 0) // 2 of 2
		assert.Empty(t, r.alerts(r.report), "held: it depends on db, which is Failed")
		assert.Contains(t, r.notes(r.report), "alert held: it depends on db, which is Failed; it is alerted if still Failed when db recovers (2 of 2 failures, --alert-after 2)")
		r.clock.add(time.Minute)
		r.ping(r.db, sigOK, 0)
		assert.Equal(t, []string{"up→failed (db recovered; this check is still Failed)"}, r.alerts(r.report))
	})
}

// Before: reminders never started after a dependency release, nor when
// --remind-every was set on a check already alerted; a replay that ended
// where it began stopped them for good; and a status whose alert was held
// was announced by them ("reminder: still Failed" of a failure held at 1
// of 3).
func TestRemindersFollowWhatWasTold(t *testing.T) {
	t.Run("after a dependency release", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.set(r.report, func(c *core.Check) { c.RemindEvery = time.Hour })
		r.ping(r.db, sigOK, 0)
		r.ping(r.report, sigOK, 0)
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		r.ping(r.report, sigFail, 0) // held
		r.clock.add(time.Minute)
		r.ping(r.db, sigOK, 0) // report alerted now
		for range 3 {
			r.clock.add(time.Hour)
			r.ping(r.db, sigOK, 0)
			r.ping(r.report, sigFail, 0)
			r.eval(0)
		}
		assert.Equal(t, []string{"up→failed", "failed→failed", "failed→failed", "failed→failed"}, r.transitions(r.report))
	})
	t.Run("set on a check already alerted", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.ping(r.db, sigOK, 0)
		r.eval(66 * time.Minute) // Missing, alerted
		r.update(r.db, func(c *core.Check) { c.RemindEvery = time.Hour })
		r.eval(59 * time.Minute)
		assert.Equal(t, []string{"late→down"}, r.transitions(r.db))
		r.eval(time.Minute)
		r.eval(time.Hour)
		assert.Equal(t, []string{"late→down", "down→down", "down→down"}, r.transitions(r.db))
	})
	t.Run("a replay that ends where it began", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.set(r.db, func(c *core.Check) { c.RemindEvery = time.Hour })
		r.ping(r.db, sigOK, 0)
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0) // alerted; reminders hourly
		r.clock.add(30 * time.Minute)
		r.ping(r.db, sigOK, 10*time.Minute) // replayed: a success...
		r.clock.add(time.Second)
		r.ping(r.db, sigFail, 9*time.Minute) // ...and a failure again
		r.eval(replaySettle)
		assert.Contains(t, r.notes(r.db), "no alert: the replayed signals ended where they began (Failed)")
		r.eval(30 * time.Minute) // an hour after the alert
		assert.Equal(t, []string{"up→failed", "failed→failed"}, r.transitions(r.db), "the alert and its reminder")
	})
	t.Run("not of a status whose alert is held", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.set(r.db, func(c *core.Check) {
			c.RemindEvery = time.Hour
			c.AlertAfter = 3
		})
		r.ping(r.db, sigOK, 0)
		r.eval(66 * time.Minute) // Missing, alerted
		r.clock.add(30 * time.Minute)
		r.ping(r.db, sigFail, 0) // Failed, held: 1 of 3
		r.eval(31 * time.Minute) // the reminder of Missing was due
		assert.Equal(t, []string{"late→down"}, r.transitions(r.db), "Missing is over; Failed was not alerted")
		assert.Zero(t, r.state(r.db).NextReminderAt)
		r.eval(time.Hour) // Missing again: no news, and reminded again an hour later
		assert.Equal(t, []string{"late→down"}, r.transitions(r.db))
		assert.Contains(t, r.notes(r.db), "no alert: Missing was already alerted")
		r.eval(time.Hour)
		assert.Equal(t, []string{"late→down", "down→down"}, r.transitions(r.db))
	})
}

// Before: "reminder sent" and "alert sent: ..." were written when no alert
// was queued (the check's channels are none); a check whose only channel
// was deleted alerted nobody without a word; a resume into Failed left no
// note.
func TestTimelineSaysWhatWasSent(t *testing.T) {
	t.Run("channels none", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.set(r.report, func(c *core.Check) {
			c.RemindEvery = time.Hour
			c.Channels = []string{}
		})
		r.ping(r.db, sigOK, 0)
		r.ping(r.report, sigOK, 0)
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		r.ping(r.report, sigFail, 0) // held
		r.clock.add(time.Minute)
		r.ping(r.db, sigOK, 0) // released: to nobody
		r.eval(time.Hour)
		notes := r.notes(r.report)
		assert.Empty(t, r.alerts(r.report))
		assert.NotContains(t, notes, "sent")
		assert.Contains(t, notes, "no alert: no channel to alert (the check's channels are none)")
		assert.Contains(t, notes, "no reminder: no channel to alert (the check's channels are none)")
	})
	t.Run("the check's only channel was deleted", func(t *testing.T) {
		r := newAlertRig(t, false)
		r.update(r.db, func(c *core.Check) { c.Channels = []string{r.ops.ID} })
		require.NoError(t, r.s.store.DeleteChannel(context.Background(), r.ops.ID))
		require.NoError(t, r.s.store.CreateChannel(context.Background(), &core.Channel{ID: uuid.NewString(), OrgID: r.db.OrgID,
			Name: "ops", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/y", CreatedAt: r.clock.Now()}))
		r.ping(r.db, sigOK, 0)
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		assert.Empty(t, r.alerts(r.db))
		assert.Contains(t, r.notes(r.db), "no alert: no channel to alert (the check's channels were deleted)")
	})
	t.Run("the organization has no channel: no note", func(t *testing.T) {
		r := newAlertRig(t, false)
		require.NoError(t, r.s.store.DeleteChannel(context.Background(), r.ops.ID))
		r.ping(r.db, sigOK, 0)
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		assert.NotContains(t, r.notes(r.db), "no channel", "an organization without channels does not alert: no note per change")
	})
}

// Before: lowering --alert-after below the current streak left the held
// failure unsent until one more failure.
func TestLoweringAlertAfterSendsTheHeldFailure(t *testing.T) {
	r := newAlertRig(t, false)
	r.set(r.db, func(c *core.Check) { c.AlertAfter = 3 })
	r.ping(r.db, sigOK, 0)
	for range 2 {
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
	}
	assert.Empty(t, r.alerts(r.db))
	r.api("PATCH", "/checks/"+r.db.ID, `{"alert_after": 1}`)
	assert.Equal(t, []string{"up→failed (2 failures in a row (--alert-after 1))"}, r.alerts(r.db))
	assert.Equal(t, core.StatusFailed, r.state(r.db).Told)
}

// TestDependencyHoldStaysWithItsParent: a hold does not pass to a new
// parent that is merely paused (before, report stayed held until the new
// parent resumed, perhaps never), nor outlive its parent's recovery while
// the dependent is paused.
func TestDependencyHoldStaysWithItsParent(t *testing.T) {
	t.Run("a new parent that is paused", func(t *testing.T) {
		r := newAlertRig(t, true)
		other := *r.db
		other.ID, other.PublicID, other.Slug, other.Name = uuid.NewString(), uuid.NewString(), "other", "other"
		require.NoError(t, r.s.store.CreateCheck(context.Background(), &other))
		r.ping(r.db, sigOK, 0)
		r.ping(r.report, sigOK, 0)
		r.ping(&other, sigOK, 0)
		r.pause(&other, time.Time{})
		r.clock.add(time.Minute)
		r.ping(r.db, sigFail, 0)
		r.ping(r.report, sigFail, 0)
		assert.Empty(t, r.alerts(r.report), "held while db is Failed")
		r.api("PATCH", "/checks/"+r.report.ID, `{"depends_on": "other"}`)
		assert.Equal(t, []string{"up→failed"}, r.transitions(r.report))
	})
	t.Run("a dependent paused while its parent recovered", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.bothFail()
		r.pause(r.report, time.Time{})
		r.clock.add(time.Minute)
		r.ping(r.db, sigOK, 0) // db recovers while report is paused
		r.pause(r.db, time.Time{})
		r.resume(r.report)
		assert.Equal(t, []string{"paused→failed"}, r.transitions(r.report), "report is still Failed: alerted at its resume")
	})
}

// TestParentReplayHoldsItsDependents: a parent's replayed signals do not
// release its dependents before the replay's net change is decided, and
// a replay that ends with the parent recovered does release them.
func TestParentReplayHoldsItsDependents(t *testing.T) {
	t.Run("ends where it began", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.bothFail()
		r.clock.add(10 * time.Minute)
		r.ping(r.db, sigOK, 8*time.Minute)
		r.ping(r.db, sigFail, 7*time.Minute)
		r.eval(replaySettle)
		assert.Empty(t, r.alerts(r.report), "db never recovered")
	})
	t.Run("ends recovered", func(t *testing.T) {
		r := newAlertRig(t, true)
		r.bothFail()
		r.clock.add(10 * time.Minute)
		r.ping(r.db, sigOK, 8*time.Minute)
		assert.Empty(t, r.alerts(r.report), "not while db's replay is held")
		r.eval(replaySettle)
		assert.Equal(t, []string{"up→failed", "failed→up"}, r.transitions(r.db))
		assert.Equal(t, []string{"up→failed"}, r.transitions(r.report), "db recovered; report is still Failed")
	})
}

// TestParentReplayKeepsHoldingForNewFailures: while a parent's replay is
// held, its dependents' new failures are held as before the replay (it
// told "db recovered" for a db that ended the replay Failed).
func TestParentReplayKeepsHoldingForNewFailures(t *testing.T) {
	r := newAlertRig(t, true)
	r.bothFail()
	r.clock.add(10 * time.Minute)
	r.ping(r.db, sigOK, 8*time.Minute) // replayed: db is up, its change held
	r.ping(r.report, sigOK, 0)
	r.ping(r.report, sigFail, 0) // live: report fails again
	assert.Empty(t, r.alerts(r.report), "held: db has not recovered as far as anyone was told")
	r.ping(r.db, sigFail, 7*time.Minute) // the replay ends Failed
	r.eval(replaySettle)
	assert.Empty(t, r.alerts(r.report), "db never recovered")
}

// TestPausedDependentNewParent: a dependent that is paused when its
// depends_on changes does not carry its old hold to the new parent.
func TestPausedDependentNewParent(t *testing.T) {
	r := newAlertRig(t, true)
	other := *r.db
	other.ID, other.PublicID, other.Slug, other.Name = uuid.NewString(), uuid.NewString(), "other", "other"
	require.NoError(t, r.s.store.CreateCheck(context.Background(), &other))
	r.ping(r.db, sigOK, 0)
	r.ping(r.report, sigOK, 0)
	r.pause(&other, time.Time{})
	r.clock.add(time.Minute)
	r.ping(r.db, sigFail, 0)
	r.ping(r.report, sigFail, 0)
	r.pause(r.report, time.Time{})
	r.api("PATCH", "/checks/"+r.report.ID, `{"depends_on": "other"}`)
	r.resume(r.report)
	assert.Equal(t, []string{"paused→failed"}, r.transitions(r.report), "other (paused, never failed) holds nothing")
}

// TestPauseForSaysUTC: a pause --for on a server whose clock is in another
// zone says its end in UTC, as it labels it (it said the local time).
func TestPauseForSaysUTC(t *testing.T) {
	r := newAlertRig(t, false)
	r.clock.mu.Lock()
	r.clock.t = time.Date(2025, 1, 6, 11, 0, 0, 0, time.FixedZone("CET", 3600)) // 10:00 UTC
	r.clock.mu.Unlock()
	r.api("POST", "/checks/"+r.db.ID+"/pause", `{"for": 7200}`)
	entries, err := r.s.store.Timeline(context.Background(), r.db.ID, core.TimelinePage{Limit: 10})
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	assert.Contains(t, entries[0].Reason, "until 2025-01-06 12:00 UTC")
}

// TestResumeWithoutARunSendsNothing: a check alerted Missing, paused and
// resumed with no run in between is Missing still: no recovery at the
// resume and no second Missing a period later.
func TestResumeWithoutARunSendsNothing(t *testing.T) {
	r := newAlertRig(t, false)
	r.ping(r.db, sigOK, 0)
	r.eval(66 * time.Minute) // Missing, alerted
	r.pause(r.db, time.Time{})
	r.clock.add(time.Minute)
	r.resume(r.db)
	r.eval(2 * time.Hour)
	assert.Equal(t, []string{"late→down"}, r.transitions(r.db))
	assert.Equal(t, core.StatusDown, r.state(r.db).Status)
}
