package server_test

import (
	"context"
	"net/http"
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

// TestAPIRateLimit: each API key has its own token bucket; over it the
// API answers 429 with a hint and Retry-After; pings are never limited.
func TestAPIRateLimit(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pakyas.db"))
	require.NoError(t, err)
	defer st.Close()
	clock := testutil.NewClock(testutil.Epoch)
	srv := server.New(st, clock, server.Config{Manual: true, APIRate: 1, APIBurst: 3})
	srv.Start()
	defer srv.Stop()
	ts := &testutil.Server{Server: srv, Clock: clock, Store: st}
	hs := testutil.Listen(t, srv.Handler())
	ts.URL = hs.URL
	key, err := server.Init(ctx, st, clock.Now(), server.Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)
	other := testutil.CreateAccount(t, st, clock.Now(), "b@example.com", "O2", "P2")

	c := &api.Client{BaseURL: hs.URL, APIKey: key}
	me, err := c.Me(ctx)
	require.NoError(t, err)
	ch, err := c.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Slug: ptr("job")})
	require.NoError(t, err)
	_, err = c.Checks(ctx, me.Orgs[0].Projects[0].ID)
	require.NoError(t, err, "three requests: the burst")

	code, body, hdr := ts.Do(t, "GET", "/api/v1/me", key, nil)
	assert.Equal(t, http.StatusTooManyRequests, code)
	assert.Equal(t, "1", hdr.Get("Retry-After"))
	e := decodeErr(t, body)
	assert.Equal(t, "rate_limited", e.Code)
	assert.NotEmpty(t, e.Hint)

	_, err = (&api.Client{BaseURL: hs.URL, APIKey: other}).Me(ctx)
	assert.NoError(t, err, "another key has its own bucket")
	for i := 0; i < 10; i++ {
		_, err := c.Ping(ctx, api.Ping{PublicID: ch.PublicID})
		require.NoError(t, err, "pings are not limited")
	}
	clock.Add(time.Second)
	_, err = c.Me(ctx)
	assert.NoError(t, err, "the bucket refills with time")
}
