package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// TestAlertAfter: with --alert-after N a Failed run alerts only when it is
// the N-th failure in a row (the status shows Failed at once, the timeline
// says "alert held: k of N failures"); a recovery alerts only when the
// failure did; Missing alerts at once whatever N.
func TestAlertAfter(t *testing.T) {
	for _, tc := range []struct {
		name     string
		after    int
		events   []string // "ok", "fail", or "late" (time passes to Missing)
		alerts   []string // "from→to" queued, in order
		timeline []string // notes the timeline must have
	}{
		{"three failures alert once, on the third; the recovery once", 3,
			[]string{"ok", "fail", "fail", "fail", "fail", "ok"},
			[]string{"up→failed", "failed→up"},
			[]string{"alert held: 1 of 3 failures", "alert held: 2 of 3 failures"}},
		{"fewer failures than N: no alert, and no recovery alert", 3,
			[]string{"ok", "fail", "fail", "ok"},
			nil,
			[]string{"alert held: 2 of 3 failures", "no alert: the failure was not alerted"}},
		{"the streak starts again after a success", 2,
			[]string{"ok", "fail", "ok", "fail", "ok"},
			nil,
			[]string{"alert held: 1 of 2 failures"}},
		{"at once without the setting", 0,
			[]string{"ok", "fail", "ok"},
			[]string{"up→failed", "failed→up"},
			nil},
		{"Missing alerts at once, from what was told", 3,
			[]string{"ok", "fail", "late"},
			[]string{"up→down"},
			[]string{"alert held: 1 of 3 failures"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clock, c := newTestCheck(t)
			ctx := context.Background()
			c.AlertAfter = tc.after
			require.NoError(t, s.store.UpdateCheck(ctx, c))
			require.NoError(t, s.store.CreateChannel(ctx, &core.Channel{ID: uuid.NewString(), OrgID: c.OrgID,
				Name: "ops", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/hook", CreatedAt: clock.Now()}))
			for _, ev := range tc.events {
				if ev == "late" {
					clock.add(3 * time.Hour)
					_, err := s.EvaluateDue(ctx)
					require.NoError(t, err)
					continue
				}
				clock.add(time.Minute)
				kind := core.SignalSuccess
				if ev == "fail" {
					kind = core.SignalFail
				}
				now := clock.Now()
				reqs := []*ingestReq{{publicID: c.PublicID, done: make(chan error, 1),
					sig: core.Signal{Kind: kind, OccurredAt: now, ReceivedAt: now}}}
				s.ingest.commit(reqs)
				require.NoError(t, <-reqs[0].done)
			}
			got, err := s.store.Check(ctx, c.ID)
			require.NoError(t, err)
			if tc.events[len(tc.events)-1] == "fail" {
				assert.Equal(t, core.StatusFailed, got.State.Status, "the status shows Failed at once")
			}
			var alerts []string
			for range 20 {
				due, err := s.store.DueAlerts(ctx, clock.Now().Add(24*time.Hour), 100)
				require.NoError(t, err)
				if len(due) == 0 {
					break
				}
				for i := range due {
					alerts = append(alerts, string(due[i].Message.From)+"→"+string(due[i].Message.To))
					due[i].State = core.AlertFailed
					require.NoError(t, s.store.UpdateAlert(ctx, &due[i]))
				}
			}
			assert.Equal(t, tc.alerts, alerts)
			entries, err := s.store.Timeline(ctx, c.ID, core.TimelinePage{Limit: 100})
			require.NoError(t, err)
			var reasons []string
			for _, e := range entries {
				reasons = append(reasons, e.Reason)
			}
			for _, want := range tc.timeline {
				assert.Contains(t, strings.Join(reasons, "\n"), want)
			}
		})
	}
}
