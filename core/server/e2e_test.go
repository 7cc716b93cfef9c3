package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

func ptr[T any](v T) *T { return &v }

// setup returns a started server, a client, the default project and a
// check with period 1h and grace 5m.
func setup(t *testing.T) (*testutil.Server, *api.Client, api.Project, *api.Check) {
	t.Helper()
	ctx := context.Background()
	srv := testutil.StartServer(t)
	c := srv.Client(srv.Key)
	me, err := c.Me(ctx)
	require.NoError(t, err)
	require.Len(t, me.Orgs, 1)
	require.Len(t, me.Orgs[0].Projects, 1)
	p := me.Orgs[0].Projects[0]
	ch, err := c.CreateCheck(ctx, p.ID, api.CheckInput{Name: ptr("Hourly Sync"), Slug: ptr("hourly-sync"), Period: ptr[int64](3600), Grace: ptr[int64](300)})
	require.NoError(t, err)
	return srv, c, p, ch
}

func ping(t *testing.T, srv *testutil.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func alertTo(t *testing.T, r testutil.Request) string {
	t.Helper()
	var msg struct{ From, To string }
	require.NoError(t, json.Unmarshal(r.Body, &msg))
	return msg.From + "->" + msg.To
}

func status(t *testing.T, c *api.Client, ref string) *api.Check {
	t.Helper()
	ch, err := c.Check(context.Background(), ref)
	require.NoError(t, err)
	return ch
}

// TestEndToEnd runs pings of every kind through the real handler and
// store, moves the fake clock past period + grace and sees the check go
// down with exactly one alert at a webhook receiver.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv, c, p, ch := setup(t)
	hook := testutil.NewReceiver(t, http.StatusOK)
	_, err := c.CreateChannel(ctx, p.OrgID, api.ChannelInput{Name: "ops", Kind: "webhook", Target: hook.URL + "/hook"})
	require.NoError(t, err)
	assert.Equal(t, "new", status(t, c, ch.ID).Status)

	rid := uuid.NewString()
	base := "/ping/" + ch.PublicID
	code, body := ping(t, srv, "POST", base+"/start?rid="+rid, "")
	require.Equal(t, 200, code)
	assert.Equal(t, "OK", body)
	got := status(t, c, ch.ID)
	assert.Equal(t, "running", got.Status)
	assert.Equal(t, "new", got.SettledStatus)

	srv.Clock.Add(90 * time.Second)
	code, _ = ping(t, srv, "POST", base+"?rid="+rid, "backup done\n")
	require.Equal(t, 200, code)
	got = status(t, c, ch.ID)
	assert.Equal(t, "up", got.Status)
	assert.Equal(t, "On Schedule", got.StatusLabel)
	require.NotEmpty(t, got.Signals)
	assert.Equal(t, "success", got.Signals[0].Kind)
	assert.Equal(t, rid, got.Signals[0].RunID)
	assert.Equal(t, int64(90000), got.Signals[0].DurationMS, "the run id pairs the finish with its start")
	assert.Equal(t, "backup done\n", got.Signals[0].Output)

	// A failure, then an exit code 2: one transition into failed, not two.
	srv.Clock.Add(time.Minute)
	code, _ = ping(t, srv, "GET", base+"/fail", "")
	require.Equal(t, 200, code)
	srv.Clock.Add(time.Minute)
	code, _ = ping(t, srv, "POST", base+"/start", "")
	require.Equal(t, 200, code)
	code, _ = ping(t, srv, "POST", base+"/2", "disk full")
	require.Equal(t, 200, code)
	got = status(t, c, ch.ID)
	assert.Equal(t, "failed", got.Status)
	require.NotNil(t, got.LastExitCode)
	assert.Equal(t, 2, *got.LastExitCode)

	// A log ping changes nothing.
	code, _ = ping(t, srv, "POST", base+"/log", "progress 50%")
	require.Equal(t, 200, code)
	assert.Equal(t, "failed", status(t, c, ch.ID).Status)

	// Success recovers.
	srv.Clock.Add(time.Minute)
	code, _ = ping(t, srv, "HEAD", base+"/0", "")
	require.Equal(t, 200, code)
	assert.Equal(t, "up", status(t, c, ch.ID).Status)

	n, err := srv.DeliverAlerts(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "into failed once (not twice), and the recovery")
	alerts := hook.Drain()
	require.Len(t, alerts, 2)
	assert.Equal(t, "up->failed", alertTo(t, alerts[0]))
	assert.Equal(t, "failed->up", alertTo(t, alerts[1]))

	// Time passes: late (a minute after the expected time), then down
	// with exactly one alert.
	srv.Clock.Add(3600*time.Second + 70*time.Second)
	_, err = srv.EvaluateDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, "late", status(t, c, ch.ID).Status)
	srv.Clock.Add(300 * time.Second)
	_, err = srv.EvaluateDue(ctx)
	require.NoError(t, err)
	got = status(t, c, ch.ID)
	assert.Equal(t, "down", got.Status)
	assert.Equal(t, "Missing", got.StatusLabel)
	_, err = srv.DeliverAlerts(ctx)
	require.NoError(t, err)
	srv.Clock.Add(time.Hour)
	_, err = srv.EvaluateDue(ctx)
	require.NoError(t, err)
	_, err = srv.DeliverAlerts(ctx)
	require.NoError(t, err)
	alerts = hook.Drain()
	require.Len(t, alerts, 1, "exactly one alert for going down")
	assert.Equal(t, "late->down", alertTo(t, alerts[0]))
	assert.Equal(t, "POST", alerts[0].Method)
	assert.Equal(t, "/hook", alerts[0].Path)

	// The timeline explains: the transition to down has a reason in plain
	// words, and the alert attempt is recorded.
	page, err := c.Timeline(ctx, ch.ID, "", 100)
	require.NoError(t, err)
	var kinds []string
	var downReason string
	var alertEntries int
	for _, e := range page.Entries {
		kinds = append(kinds, e.Kind)
		if e.Kind == "transition" && e.To == "down" {
			downReason = e.Reason
		}
		if e.Kind == "alert" {
			alertEntries++
		}
	}
	assert.Contains(t, downReason, "grace")
	assert.Equal(t, 3, alertEntries, "each alert attempt is on the timeline")
	assert.Contains(t, kinds, "signal")
}
