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

// TestAlertAfterEndToEnd: through the built binary, a check with
// --alert-after 3 and a webhook channel to a loopback receiver: three
// failing runs give exactly one alert, on the third; the recovery after it
// gives one.
func TestAlertAfterEndToEnd(t *testing.T) {
	u, srv := loggedIn(t)
	hook := testutil.NewReceiver(t, 200)
	ok(t, u.exec("channel", "add", "webhook", hook.URL, "--name", "ops"))
	out := ok(t, u.exec("check", "create", "--name", "Flaky", "--slug", "flaky", "--alert-after", "3"))
	assert.Contains(t, out, "Created check")
	assert.Contains(t, ok(t, u.exec("check", "show", "flaky")), "Alert after:    3 failures in a row")

	ctx := context.Background()
	deliver := func() []string {
		_, err := srv.DeliverAlerts(ctx)
		require.NoError(t, err)
		var got []string
		for _, req := range hook.Drain() {
			var p struct{ From, To string }
			require.NoError(t, json.Unmarshal(req.Body, &p), "%s", req.Body)
			got = append(got, p.From+"→"+p.To)
		}
		return got
	}
	r := runJob(t, u.job("monitor", "flaky", "--", "true"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Empty(t, deliver())
	for i, want := range [][]string{nil, nil, {"up→failed"}} {
		r := runJob(t, u.job("monitor", "flaky", "--", "false"))
		require.Equal(t, 1, r.code, "%s", r)
		assert.Equal(t, want, deliver(), "failure %d", i+1)
		assert.Contains(t, ok(t, u.exec("check", "show", "flaky")), "Failed", "the status shows Failed at once")
	}
	r = runJob(t, u.job("monitor", "flaky", "--", "true"))
	require.Equal(t, 0, r.code, "%s", r)
	assert.Equal(t, []string{"failed→up"}, deliver())
	tl := ok(t, u.exec("check", "timeline", "flaky"))
	assert.Contains(t, tl, "alert held: 1 of 3 failures")
	assert.Contains(t, tl, "alert held: 2 of 3 failures")
}
