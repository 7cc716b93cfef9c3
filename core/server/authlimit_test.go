package server_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/core/store/sqlite"
	"github.com/pakyas/pakyas/internal/testutil"
)

// countingStore counts the API key lookups: the first database read of an
// authentication.
type countingStore struct {
	*sqlite.Store
	lookups atomic.Int32
}

func (s *countingStore) APIKeyByHash(ctx context.Context, hash string) (*core.APIKey, error) {
	s.lookups.Add(1)
	return s.Store.APIKeyByHash(ctx, hash)
}

// TestFailedAuthLimited (finding 4): failed authentications are limited
// per client address, before any database read, logged once per burst;
// other addresses, good keys from them, and pings are not affected.
func TestFailedAuthLimited(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/pakyas.db")
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{Store: st}
	clock := testutil.NewClock(testutil.Epoch)
	var logs bytes.Buffer
	srv := server.New(cs, clock, server.Config{Manual: true, Logger: log.New(&logs, "", 0)})
	srv.Start()
	t.Cleanup(srv.Stop)
	key, err := server.Init(context.Background(), st, clock.Now(), server.Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)
	h := srv.Handler()
	do := func(addr, path, key string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = addr + ":40000"
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 20 {
		require.Equal(t, http.StatusUnauthorized, do("203.0.113.7", "/api/v1/me", "pk_live_guess").Code, "guess %d", i)
	}
	cs.lookups.Store(0)
	for range 50 {
		w := do("203.0.113.7", "/api/v1/me", "pk_live_guess")
		require.Equal(t, http.StatusTooManyRequests, w.Code)
		assert.Equal(t, "2", w.Header().Get("Retry-After"))
		assert.Contains(t, w.Body.String(), "too many failed API key attempts")
	}
	assert.Zero(t, cs.lookups.Load(), "refused before any database read")
	assert.Equal(t, http.StatusTooManyRequests, do("203.0.113.7", "/api/v1/me", key).Code, "the address is limited, whatever the key")
	assert.Equal(t, http.StatusOK, do("198.51.100.9", "/api/v1/me", key).Code, "another address is not")
	assert.Equal(t, http.StatusNotFound, do("203.0.113.7", "/ping/6ba7b810-9dad-11d1-80b4-00c04fd430c8", "").Code, "pings are never limited")
	assert.Equal(t, 1, strings.Count(logs.String(), "too many failed authentications from 203.0.113.7"), "logged once per burst")

	clock.Add(2 * time.Second)
	assert.Equal(t, http.StatusOK, do("203.0.113.7", "/api/v1/me", key).Code, "refilled")
	assert.Equal(t, http.StatusUnauthorized, do("203.0.113.7", "/api/v1/me", "pk_live_guess").Code)
	assert.Equal(t, http.StatusTooManyRequests, do("203.0.113.7", "/api/v1/me", "pk_live_guess").Code, "limited again at once")
	assert.Equal(t, 2, strings.Count(logs.String(), "too many failed authentications from 203.0.113.7"), "a new burst is logged")
}

// TestFailedAuthBehindProxy: behind a trusted reverse proxy, failures are
// counted per client (the last X-Forwarded-For hop that is not a trusted
// proxy), so one client's guessing does not lock out the others; a
// forwarded header from an untrusted peer is not believed.
func TestFailedAuthBehindProxy(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/pakyas.db")
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	clock := testutil.NewClock(testutil.Epoch)
	cfg, err := server.Flags{Retention: "90d", KeepSignals: 1, StartTLS: "auto",
		TrustedProxies: []string{"10.0.0.0/8", "192.0.2.1"}}.Config()
	require.NoError(t, err)
	cfg.Manual, cfg.Logger = true, log.New(io.Discard, "", 0)
	srv := server.New(st, clock, cfg)
	srv.Start()
	t.Cleanup(srv.Stop)
	key, err := server.Init(context.Background(), st, clock.Now(), server.Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)
	h := srv.Handler()
	do := func(peer, xff, key string) int {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	// The attacker forges a first hop; the proxies append what they saw.
	for range 21 {
		do("10.1.2.3:5000", "198.51.100.1, 203.0.113.66, 192.0.2.1", "pk_live_guess")
	}
	assert.Equal(t, http.StatusTooManyRequests, do("10.1.2.3:5000", "1.1.1.1, 203.0.113.66", key), "the guesser is limited, whatever it forges before its hop")
	assert.Equal(t, http.StatusOK, do("10.1.2.3:5000", "203.0.113.10", key), "another client behind the same proxy is not")
	assert.Equal(t, http.StatusOK, do("[::ffff:10.9.9.9]:5000", "203.0.113.11, 10.0.0.2", key), "an IPv4-mapped proxy address is trusted")

	for range 21 {
		do("198.51.100.77:5000", "203.0.113.20", "pk_live_guess")
	}
	assert.Equal(t, http.StatusTooManyRequests, do("198.51.100.77:5000", "203.0.113.21", key), "an untrusted peer's header is ignored: the peer is limited")

	_, err = server.Flags{Retention: "90d", KeepSignals: 1, StartTLS: "auto", TrustedProxies: []string{"10.0.0.0/33"}}.Config()
	assert.ErrorContains(t, err, `--trusted-proxy "10.0.0.0/33"`)
}
