package server

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// TestRecoveryThroughLate: a bad status that ends in Late (its run
// finished, but after the next run was due) is alerted as a recovery, so
// the incident its alert opened is closed; the later late→up is no alert.
// Before, neither alerted, and the check stayed Overrunning for the
// people on call.
func TestRecoveryThroughLate(t *testing.T) {
	tests := []struct {
		name   string
		replay bool // the finish is replayed from a spool (sent with its own time)
		want   []string
	}{
		{"a live finish after the next run's time", false, []string{"up→overrunning", "overrunning→late"}},
		{"a replayed finish, the next run still going when the replay settles", true, []string{"up→overrunning", "overrunning→late"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock, c := newTestCheck(t) // every hour, 5m of grace and max runtime
			ctx := context.Background()
			require.NoError(t, s.store.CreateChannel(ctx, &core.Channel{ID: uuid.NewString(), OrgID: c.OrgID,
				Name: "ops", Kind: core.ChannelWebhook, Target: "http://127.0.0.1:1/hook", CreatedAt: clock.Now()}))
			send := func(kind core.SignalKind, rid string, occurred time.Time) {
				t.Helper()
				reqs := []*ingestReq{{publicID: c.PublicID, done: make(chan error, 1),
					sig: core.Signal{Kind: kind, RunID: rid, OccurredAt: occurred, ReceivedAt: clock.Now()}}}
				s.ingest.commit(reqs)
				require.NoError(t, <-reqs[0].done)
			}
			eval := func() {
				t.Helper()
				_, err := s.EvaluateDue(ctx)
				require.NoError(t, err)
			}
			t0 := clock.Now()
			send(core.SignalStart, "a", t0)
			send(core.SignalSuccess, "a", t0.Add(time.Minute))
			clock.add(time.Hour)
			send(core.SignalStart, "b", clock.Now())
			clock.add(10 * time.Minute)
			eval() // b overruns
			if tt.replay {
				// b finished at 11:03; its finish reaches the server with
				// the next run, which then takes a while.
				clock.add(52 * time.Minute)
				send(core.SignalSuccess, "b", t0.Add(time.Hour+3*time.Minute))
				send(core.SignalStart, "c", clock.Now())
				clock.add(replaySettle)
				eval()
			} else {
				clock.add(53 * time.Minute)
				send(core.SignalSuccess, "b", clock.Now())
				send(core.SignalStart, "c", clock.Now())
			}
			got, err := s.store.Check(ctx, c.ID)
			require.NoError(t, err)
			assert.Equal(t, core.StatusLate, got.State.Status)
			clock.add(time.Minute)
			send(core.SignalSuccess, "c", clock.Now())
			got, err = s.store.Check(ctx, c.ID)
			require.NoError(t, err)
			assert.Equal(t, core.StatusUp, got.State.Status)

			alerts, err := queuedAlerts(s, c.ID)
			require.NoError(t, err)
			assert.Equal(t, tt.want, alerts)
		})
	}
}
