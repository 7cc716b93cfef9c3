package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/core/store/sqlite"
	"github.com/pakyas/pakyas/internal/testutil"
)

// instance is one run of an in-process server over a database file.
type instance struct {
	srv *server.Server
	hs  *httptest.Server
	st  *sqlite.Store
}

func startInstance(t *testing.T, path string, clock *testutil.Clock) *instance {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	require.NoError(t, err)
	hs := httptest.NewUnstartedServer(nil)
	srv := server.New(st, clock, server.Config{Manual: true, PublicURL: "http://" + hs.Listener.Addr().String(), AllowPrivateIPs: true})
	hs.Config.Handler = srv.Handler()
	hs.Start()
	srv.Start()
	return &instance{srv: srv, hs: hs, st: st}
}

// crash stops the instance without delivering anything it had queued.
func (i *instance) crash() {
	i.hs.Close()
	i.srv.Stop()
	i.st.Close()
}

// TestAlertSurvivesRestart: an alert decided before the server stops is
// delivered by the next server on the same data, and deadlines that passed
// while the server was down are acted on at start.
func TestAlertSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pakyas.db")
	clock := testutil.NewClock(testutil.Epoch)
	hook := testutil.NewReceiver(t, http.StatusOK)

	a := startInstance(t, path, clock)
	key, err := server.Init(ctx, a.st, clock.Now(), server.Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)
	c := &api.Client{BaseURL: a.hs.URL, APIKey: key}
	me, err := c.Me(ctx)
	require.NoError(t, err)
	p := me.Orgs[0].Projects[0]
	_, err = c.CreateChannel(ctx, p.OrgID, api.ChannelInput{Name: "ops", Kind: "webhook", Target: hook.URL})
	require.NoError(t, err)
	ch, err := c.CreateCheck(ctx, p.ID, api.CheckInput{Slug: ptr("nightly"), Period: ptr[int64](3600), Grace: ptr[int64](60)})
	require.NoError(t, err)
	_, err = c.Ping(ctx, api.Ping{PublicID: ch.PublicID})
	require.NoError(t, err)
	_, err = c.Ping(ctx, api.Ping{PublicID: ch.PublicID, Kind: "fail"})
	require.NoError(t, err)
	a.crash() // the up->failed alert is queued, not delivered
	assert.Empty(t, hook.Drain())

	// Two hours later a new server starts on the same data.
	clock.Add(2 * time.Hour)
	b := startInstance(t, path, clock)
	defer b.crash()
	_, err = b.srv.DeliverAlerts(ctx)
	require.NoError(t, err)
	_, err = b.srv.EvaluateDue(ctx)
	require.NoError(t, err)
	_, err = b.srv.DeliverAlerts(ctx)
	require.NoError(t, err)
	got := hook.Drain()
	require.Len(t, got, 2)
	assert.Equal(t, "up->failed", alertTo(t, got[0]), "decided before the stop, delivered after the restart")
	assert.Equal(t, "failed->down", alertTo(t, got[1]), "the deadline passed while the server was down")
}
