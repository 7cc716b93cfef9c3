package alert

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// TestDispatcherRecoveryWaitsForRetry: when an alert fails and is retried
// later, a newer alert about the same check to the same channel (the
// recovery) waits for it instead of overtaking it: the receiver must not
// end with "down" for a check that is up.
func TestDispatcherRecoveryWaitsForRetry(t *testing.T) {
	tests := []struct {
		name    string
		upFirst bool // the recovery is queued before the first attempt
	}{
		{"queued together", true},
		{"recovery queued while the alert waits to be retried", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d, store, clock, got := webhookSetup(t, answer(http.StatusBadGateway, ""), answer(http.StatusOK, ""))
			down := store.enqueue("ch-ops", downMsg())
			var up int64
			if tt.upFirst {
				up = store.enqueue("ch-ops", upMsg())
			}
			_, err := d.RunOnce(ctx)
			require.NoError(t, err)
			if !tt.upFirst {
				clock.Add(5 * time.Second)
				up = store.enqueue("ch-ops", upMsg())
				store.alerts[up].NextAttemptAt = clock.Now()
				_, err = d.RunOnce(ctx)
				require.NoError(t, err)
			}
			require.Len(t, got, 1, "only the failed attempt so far")
			assert.Equal(t, core.AlertPending, store.alert(up).State, "the recovery waits")

			clock.Add(time.Minute)
			_, err = d.RunOnce(ctx)
			require.NoError(t, err)
			var order []string
			for len(got) > 0 {
				var msg struct{ To string }
				require.NoError(t, json.Unmarshal([]byte((<-got).body), &msg))
				order = append(order, msg.To)
			}
			assert.Equal(t, []string{"down", "down", "up"}, order)
			assert.Equal(t, core.AlertDelivered, store.alert(down).State)
			assert.Equal(t, core.AlertDelivered, store.alert(up).State)
		})
	}
}
