package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
			r := newAlertRig(t, false) // every hour, 5m of grace and max runtime
			c, now := r.db, r.clock.Now
			t0 := now()
			r.run(c, core.SignalStart, "a", t0)
			r.run(c, core.SignalSuccess, "a", t0.Add(time.Minute))
			r.clock.add(time.Hour)
			r.run(c, core.SignalStart, "b", now())
			r.eval(10 * time.Minute) // b overruns
			if tt.replay {
				// b finished at 11:03; its finish reaches the server with
				// the next run, which then takes a while.
				r.clock.add(52 * time.Minute)
				r.run(c, core.SignalSuccess, "b", t0.Add(time.Hour+3*time.Minute))
				r.run(c, core.SignalStart, "c", now())
				r.eval(replaySettle)
			} else {
				r.clock.add(53 * time.Minute)
				r.run(c, core.SignalSuccess, "b", now())
				r.run(c, core.SignalStart, "c", now())
			}
			assert.Equal(t, core.StatusLate, r.state(c).Status)
			r.clock.add(time.Minute)
			r.run(c, core.SignalSuccess, "c", now())
			assert.Equal(t, core.StatusUp, r.state(c).Status)
			assert.Equal(t, tt.want, r.transitions(c))
		})
	}
}
