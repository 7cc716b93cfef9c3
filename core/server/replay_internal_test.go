package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// TestReplayedSignalsAlertTheirNetChange: signals a spool replays after an
// outage (sent with their own time, arriving long after it) do not alert
// each change they make, which is history by then: the net change of the
// replay is alerted once it ends (no signal of it for replaySettle), or
// nothing when it ended where it began; a replayed signal older than the
// check's newest never alerts; a live change during a hold alerts the net
// change at once. The timeline says why each alert was or was not sent.
func TestReplayedSignalsAlertTheirNetChange(t *testing.T) {
	type sig struct {
		kind core.SignalKind
		ago  time.Duration // before it arrives; 0: live
	}
	ok := func(ago time.Duration) sig { return sig{core.SignalSuccess, ago} }
	fail := func(ago time.Duration) sig { return sig{core.SignalFail, ago} }
	tests := []struct {
		name     string
		sigs     []sig
		settle   bool     // let the replay end and the evaluation loop run
		alerts   []string // "from→to", in order
		timeline string   // a note the timeline must have
	}{
		{"live: each change alerts at once", []sig{fail(0), ok(0)}, false,
			[]string{"up→failed", "failed→up"}, ""},
		{"replay of a failure and its recovery: nothing", []sig{fail(30 * time.Minute), ok(25 * time.Minute)}, true,
			nil, "no alert: the replayed signals ended where they began (On Schedule)"},
		{"replay ending in failure: one alert, after the replay", []sig{ok(35 * time.Minute), fail(30 * time.Minute), ok(25 * time.Minute), fail(20 * time.Minute)}, true,
			[]string{"up→failed"}, "alert held: the signal arrived"},
		{"held until the replay ends", []sig{fail(30 * time.Minute)}, false,
			nil, "the net change is alerted when the replay ends"},
		{"a live change during the hold alerts the net change at once", []sig{fail(30 * time.Minute), ok(25 * time.Minute), fail(0)}, false,
			[]string{"up→failed"}, "alert held: the signal arrived"},
		{"a replayed signal older than the newest: never", []sig{ok(0), fail(30 * time.Minute)}, true,
			nil, "after a newer signal had already arrived; status not changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock, c := newTestCheck(t)
			ctx := context.Background()
			require.NoError(t, s.store.CreateChannel(ctx, &core.Channel{ID: uuid.NewString(), OrgID: c.OrgID,
				Name: "ops", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/hook", CreatedAt: clock.Now()}))
			// The last signal before the outage, 40 minutes ago (the period is an hour).
			first := []*ingestReq{{publicID: c.PublicID, done: make(chan error, 1),
				sig: core.Signal{Kind: core.SignalSuccess, OccurredAt: clock.Now(), ReceivedAt: clock.Now()}}}
			s.ingest.commit(first)
			require.NoError(t, <-first[0].done)
			clock.add(40 * time.Minute)
			for i, sg := range tt.sigs {
				clock.add(time.Second)
				now := clock.Now()
				reqs := []*ingestReq{{publicID: c.PublicID, done: make(chan error, 1),
					sig: core.Signal{Kind: sg.kind, OccurredAt: now.Add(-sg.ago), ReceivedAt: now, RunID: fmt.Sprint("r", i)}}}
				s.ingest.commit(reqs)
				require.NoError(t, <-reqs[0].done)
			}
			if tt.settle {
				clock.add(replaySettle)
				_, err := s.EvaluateDue(ctx)
				require.NoError(t, err)
				_, err = s.EvaluateDue(ctx) // decided once
				require.NoError(t, err)
			}
			alerts, err := s.store.DueAlerts(ctx, clock.Now().Add(time.Hour), 100)
			require.NoError(t, err)
			var got []string
			for _, a := range alerts {
				got = append(got, string(a.Message.From)+"→"+string(a.Message.To))
			}
			// DueAlerts gives the oldest per check and channel: count them all.
			n, err := countAlerts(s, c.ID)
			require.NoError(t, err)
			require.Equal(t, len(tt.alerts), n, "alerts queued: %v", got)
			if len(tt.alerts) > 0 {
				assert.Equal(t, tt.alerts[0], got[0])
			}
			entries, err := s.store.Timeline(ctx, c.ID, core.TimelinePage{Limit: 100})
			require.NoError(t, err)
			var reasons []string
			for _, e := range entries {
				reasons = append(reasons, e.Reason)
			}
			if tt.timeline != "" {
				assert.Contains(t, strings.Join(reasons, "\n"), tt.timeline)
			}
			got2, err := s.store.Check(ctx, c.ID)
			require.NoError(t, err)
			if tt.settle {
				assert.Empty(t, got2.State.HeldFrom, "decided and cleared")
			}
		})
	}
}

// countAlerts counts the alerts queued about checkID, delivering each (as
// failed) so the next one of the same check and channel is due.
func countAlerts(s *Server, checkID string) (int, error) {
	ctx := context.Background()
	n := 0
	for range 20 {
		due, err := s.store.DueAlerts(ctx, s.clock.Now().Add(24*time.Hour), 100)
		if err != nil || len(due) == 0 {
			return n, err
		}
		for i := range due {
			a := &due[i]
			if a.CheckID == checkID {
				n++
			}
			a.State = core.AlertFailed
			if err := s.store.UpdateAlert(ctx, a); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
