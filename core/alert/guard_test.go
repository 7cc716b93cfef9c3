package alert

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "8.8.8.8": true, "2606:4700::1111": true,
		"127.0.0.1": false, "127.8.9.10": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "0.0.0.0": false, "100.64.0.1": false, "224.0.0.1": false, "255.255.255.255": false,
		"198.18.0.1": false, "192.0.2.1": false, "::1": false, "::": false, "fe80::1": false, "fd00::1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "2001:db8::1": false,
	} {
		assert.Equal(t, want, Public(netip.MustParseAddr(addr)), addr)
	}
}

// TestGuardRefusesPrivateTargets: a webhook to a private address is
// refused, after DNS resolution ("localhost"), without a connection, and
// for good; the error says why without quoting anything of the target.
func TestGuardRefusesPrivateTargets(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("internal secret"))
	}))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, target := range []string{srv.URL + "/x", "http://localhost" + port + "/x"} {
		err := (&Webhook{Client: NewHTTPClient(false)}).Notify(context.Background(), core.Channel{Target: target}, downMsg())
		require.Error(t, err, target)
		assert.ErrorIs(t, err, ErrPrivateAddress)
		assert.True(t, IsPermanent(err))
		assert.Contains(t, err.Error(), "private address")
		assert.Contains(t, err.Error(), "--allow-private-ips")
	}
	assert.Zero(t, hits.Load(), "never connected")

	require.NoError(t, (&Webhook{Client: NewHTTPClient(true)}).Notify(context.Background(), core.Channel{Target: srv.URL}, downMsg()),
		"--allow-private-ips lets it through")
	assert.Equal(t, int32(1), hits.Load())
}

// TestGuardOnRedirects: every connection is checked, so a redirect to a
// private address is refused even when the first one was allowed.
func TestGuardOnRedirects(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "http://127.0.0.2"+r.Host[strings.LastIndex(r.Host, ":"):]+"/metadata", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	first := netip.MustParseAddr("127.0.0.1")
	client := newHTTPClient(func(a netip.Addr) bool { return a == first }) // 127.0.0.1 plays a public address
	err := (&Webhook{Client: client}).Notify(context.Background(), core.Channel{Target: srv.URL}, downMsg())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrPrivateAddress)
	assert.Equal(t, int32(1), hits.Load())
}
