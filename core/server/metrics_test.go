package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
)

// TestMetricsAndHealthz: /healthz answers, /metrics counts signals, checks
// per status and alert deliveries and failures.
func TestMetricsAndHealthz(t *testing.T) {
	srv, c, p, ch := setup(t)
	ctx := context.Background()
	code, body, _ := srv.Do(t, "GET", "/healthz", "", nil)
	assert.Equal(t, 200, code)
	assert.Equal(t, "ok\n", string(body))

	_, err := c.CreateChannel(ctx, p.OrgID, api.ChannelInput{Name: "broken", Kind: "webhook", Target: "http://127.0.0.1:1/nothing-listens"})
	require.NoError(t, err)
	for _, k := range []string{"start", "", "", "fail"} {
		_, err := c.Ping(ctx, api.Ping{PublicID: ch.PublicID, Kind: k})
		require.NoError(t, err)
	}
	srv.Clock.Add(time.Second)
	_, err = srv.DeliverAlerts(ctx)
	require.NoError(t, err)
	code, body, hdr := srv.Do(t, "GET", "/metrics", "", nil)
	require.Equal(t, 200, code)
	assert.Contains(t, hdr.Get("Content-Type"), "text/plain")
	m := string(body)
	for _, want := range []string{
		`pakyas_signals_received_total{kind="start"} 1`,
		`pakyas_signals_received_total{kind="success"} 2`,
		`pakyas_signals_received_total{kind="fail"} 1`,
		`pakyas_checks{status="failed"} 1`,
		`pakyas_checks{status="down"} 0`,
		`pakyas_alert_deliveries_total 0`,
		// new->up is not alerted, up->failed is: one failed attempt at
		// the dead receiver.
		`pakyas_alert_failures_total 1`,
	} {
		assert.Contains(t, m, want+"\n")
	}
}
