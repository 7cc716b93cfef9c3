package server

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// queued returns the alerts queued since the last call, "from→to channel",
// marking them done.
func queued(t *testing.T, s *Server, names map[string]string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for range 50 {
		due, err := s.store.DueAlerts(ctx, s.clock.Now().Add(1000*time.Hour), 100)
		require.NoError(t, err)
		if len(due) == 0 {
			return out
		}
		for i := range due {
			out = append(out, string(due[i].Message.From)+"→"+string(due[i].Message.To)+" "+names[due[i].ChannelID])
			due[i].State = core.AlertDelivered
			require.NoError(t, s.store.UpdateAlert(ctx, &due[i]))
		}
	}
	return out
}

// TestReminders: with --remind-every 1h a check left Missing alerts again
// each hour until it recovers; a pause ends them; without the setting,
// nothing repeats.
func TestReminders(t *testing.T) {
	s, clock, c := newTestCheck(t) // every hour, 5 minutes of grace
	ctx := context.Background()
	c.RemindEvery = time.Hour
	require.NoError(t, s.store.UpdateCheck(ctx, c))
	ops := &core.Channel{ID: uuid.NewString(), OrgID: c.OrgID, Name: "ops", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/x", CreatedAt: clock.Now()}
	require.NoError(t, s.store.CreateChannel(ctx, ops))
	names := map[string]string{ops.ID: "ops"}
	ping := func(kind core.SignalKind) {
		now := clock.Now()
		reqs := []*ingestReq{{publicID: c.PublicID, done: make(chan error, 1), sig: core.Signal{Kind: kind, OccurredAt: now, ReceivedAt: now}}}
		s.ingest.commit(reqs)
		require.NoError(t, <-reqs[0].done)
	}
	eval := func(d time.Duration) {
		clock.add(d)
		_, err := s.EvaluateDue(ctx)
		require.NoError(t, err)
	}
	ping(core.SignalSuccess)
	eval(66 * time.Minute) // late, then down
	assert.Equal(t, []string{"late→down ops"}, queued(t, s, names))
	eval(59 * time.Minute)
	assert.Empty(t, queued(t, s, names), "not yet an hour")
	eval(time.Minute)
	assert.Equal(t, []string{"down→down ops"}, queued(t, s, names), "a reminder an hour after the alert")
	eval(time.Hour)
	assert.Equal(t, []string{"down→down ops"}, queued(t, s, names), "and each hour")
	got, err := s.store.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, clock.Now().Add(time.Hour), got.State.NextEvalAt, "the evaluation loop is woken for the next one")

	ping(core.SignalSuccess)
	assert.Equal(t, []string{"down→up ops"}, queued(t, s, names))
	eval(5 * time.Hour)
	assert.Equal(t, []string{"late→down ops"}, queued(t, s, names), "down again: alerted once")

	// A pause ends the reminders.
	require.NoError(t, s.store.Update(ctx, func(q core.Queries) error {
		fresh, err := q.Check(ctx, c.ID)
		if err != nil {
			return err
		}
		w := newWriter(ctx, s, q)
		if err := w.apply(fresh, status.Pause(fresh, clock.Now()), clock.Now(), alertLive); err != nil {
			return err
		}
		w.dirty = append(w.dirty, fresh)
		return w.flush()
	}))
	eval(3 * time.Hour)
	assert.Empty(t, queued(t, s, names))
}

// TestCheckChannels: --channels picks which of the organization's
// channels alert for a check; none silences it; all is every channel.
func TestCheckChannels(t *testing.T) {
	s, clock, c := newTestCheck(t)
	ctx := context.Background()
	ops := &core.Channel{ID: uuid.NewString(), OrgID: c.OrgID, Name: "ops", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/x", CreatedAt: clock.Now()}
	dev := &core.Channel{ID: uuid.NewString(), OrgID: c.OrgID, Name: "dev", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/y", CreatedAt: clock.Now()}
	require.NoError(t, s.store.CreateChannel(ctx, ops))
	require.NoError(t, s.store.CreateChannel(ctx, dev))
	names := map[string]string{ops.ID: "ops", dev.ID: "dev"}
	fail := func(kind core.SignalKind) []string {
		clock.add(time.Minute)
		now := clock.Now()
		reqs := []*ingestReq{{publicID: c.PublicID, done: make(chan error, 1), sig: core.Signal{Kind: kind, OccurredAt: now, ReceivedAt: now}}}
		s.ingest.commit(reqs)
		require.NoError(t, <-reqs[0].done)
		return queued(t, s, names)
	}
	set := func(v ...string) {
		got, err := s.store.Check(ctx, c.ID)
		require.NoError(t, err)
		require.NoError(t, s.setChannels(ctx, got, &v))
		require.NoError(t, s.store.UpdateCheck(ctx, got))
	}
	fail(core.SignalSuccess)
	set("ops")
	assert.Equal(t, []string{"up→failed ops"}, fail(core.SignalFail))
	set("none")
	assert.Empty(t, fail(core.SignalSuccess))
	set("all")
	assert.ElementsMatch(t, []string{"up→failed ops", "up→failed dev"}, fail(core.SignalFail))
	set("DEV", dev.ID)
	assert.Equal(t, []string{"failed→up dev"}, fail(core.SignalSuccess), "names in any case or IDs, once each")
	got, err := s.store.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Error(t, s.setChannels(ctx, got, &[]string{"pager"}), "an unknown channel")
}

// TestDependencies: a table of a parent (db) and a check that depends on
// it (report), with the injected clock: while db is Missing or Failed,
// report's bad changes are held and its recovery too; db's recovery
// alerts report if it is still bad; Missing by time is held the same way.
func TestDependencies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []string // "db ok", "db fail", "report ok", "report fail", "late" (3h pass)
		alerts []string
	}{
		{"held, then alerted when the parent recovers", []string{"db fail", "report fail", "db ok"},
			[]string{"up→failed db", "failed→up db", "up→failed report"}},
		{"held and over: never", []string{"db fail", "report fail", "report ok", "db ok"},
			[]string{"up→failed db", "failed→up db"}},
		{"a healthy parent: at once", []string{"report fail", "report ok"},
			[]string{"up→failed report", "failed→up report"}},
		{"Missing by time, held while the parent is Missing", []string{"late", "db ok"},
			[]string{"late→down db", "down→up db", "up→down report"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clock, db := newTestCheck(t)
			ctx := context.Background()
			report := *db
			report.ID, report.PublicID, report.Slug, report.Name, report.DependsOn = uuid.NewString(), uuid.NewString(), "report", "report", db.ID
			require.NoError(t, s.store.CreateCheck(ctx, &report))
			db.Slug = "db"
			require.NoError(t, s.store.UpdateCheck(ctx, db))
			ops := &core.Channel{ID: uuid.NewString(), OrgID: db.OrgID, Name: "ops", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/x", CreatedAt: clock.Now()}
			require.NoError(t, s.store.CreateChannel(ctx, ops))
			ping := func(c *core.Check, kind core.SignalKind) {
				now := clock.Now()
				reqs := []*ingestReq{{publicID: c.PublicID, done: make(chan error, 1), sig: core.Signal{Kind: kind, OccurredAt: now, ReceivedAt: now}}}
				s.ingest.commit(reqs)
				require.NoError(t, <-reqs[0].done)
			}
			ping(db, core.SignalSuccess)
			ping(&report, core.SignalSuccess)
			var got []string
			collect := func() {
				due, err := s.store.DueAlerts(ctx, clock.Now().Add(1000*time.Hour), 100)
				require.NoError(t, err)
				for len(due) > 0 {
					for i := range due {
						name := "db"
						if due[i].CheckID == report.ID {
							name = "report"
						}
						got = append(got, string(due[i].Message.From)+"→"+string(due[i].Message.To)+" "+name)
						due[i].State = core.AlertDelivered
						require.NoError(t, s.store.UpdateAlert(ctx, &due[i]))
					}
					due, err = s.store.DueAlerts(ctx, clock.Now().Add(1000*time.Hour), 100)
					require.NoError(t, err)
				}
			}
			for _, ev := range tc.events {
				clock.add(time.Minute)
				switch ev {
				case "late":
					clock.add(3 * time.Hour)
					_, err := s.EvaluateDue(ctx)
					require.NoError(t, err)
				case "db ok":
					ping(db, core.SignalSuccess)
				case "db fail":
					ping(db, core.SignalFail)
				case "report ok":
					ping(&report, core.SignalSuccess)
				case "report fail":
					ping(&report, core.SignalFail)
				}
				collect()
			}
			assert.Equal(t, tc.alerts, got)
		})
	}
}
