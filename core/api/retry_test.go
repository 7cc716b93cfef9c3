package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryable(t *testing.T) {
	urlErr := func(err error) error { return &url.Error{Op: "Post", URL: "http://x/ping/1", Err: err} }
	tests := []struct {
		name    string
		err     error
		retry   bool
		refused bool
	}{
		{"nil", nil, false, false},
		{"connection refused", urlErr(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true, false},
		{"dns", urlErr(&net.DNSError{Err: "no such host", Name: "pakyas.invalid"}), true, false},
		{"timeout", urlErr(context.DeadlineExceeded), true, false},
		{"answer cut short", urlErr(io.ErrUnexpectedEOF), true, false},
		{"cancelled", urlErr(context.Canceled), false, false},
		{"unknown authority", urlErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false, false},
		{"bare unknown authority", urlErr(x509.UnknownAuthorityError{}), false, false},
		{"wrong host name", urlErr(x509.HostnameError{Host: "x"}), false, false},
		{"expired", urlErr(x509.CertificateInvalidError{Reason: x509.Expired}), false, false},
		{"http to a tls port", urlErr(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), false, false},
		{"redirect loop", urlErr(&RedirectError{URL: "http://x", Reason: "loop"}), false, false},
		{"400", &HTTPError{StatusCode: 400}, false, true},
		{"401", &HTTPError{StatusCode: 401}, false, true},
		{"404", &HTTPError{StatusCode: 404}, false, true},
		{"408", &HTTPError{StatusCode: 408}, true, false},
		{"413", &HTTPError{StatusCode: 413}, false, true},
		{"425", &HTTPError{StatusCode: 425}, true, false},
		{"429", &HTTPError{StatusCode: 429}, true, false},
		{"500", &HTTPError{StatusCode: 500}, true, false},
		{"501", &HTTPError{StatusCode: 501}, false, true},
		{"502", &HTTPError{StatusCode: 502}, true, false},
		{"503", &HTTPError{StatusCode: 503}, true, false},
		{"wrapped 503", fmt.Errorf("deliver: %w", &HTTPError{StatusCode: 503}), true, false},
		{"not a request's error", errors.New("no project selected"), false, false},
		{"bare net error", &net.OpError{Op: "dial", Err: syscall.ECONNRESET}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.retry, Retryable(tt.err), "Retryable")
			assert.Equal(t, tt.refused, Refused(tt.err), "Refused")
		})
	}
}

func TestFullJitter(t *testing.T) {
	b := FullJitter(100*time.Millisecond, time.Second)
	for _, tt := range []struct {
		n    int
		ceil time.Duration
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {4, 800 * time.Millisecond}, {5, time.Second}, {60, time.Second}, {1000, time.Second}} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := b(tt.n)
			require.GreaterOrEqual(t, d, time.Duration(0), "retry %d", tt.n)
			require.LessOrEqual(t, d, tt.ceil, "retry %d", tt.n)
			seen[d] = true
		}
		assert.Greater(t, len(seen), 100, "retry %d: the waits are spread, not one value", tt.n)
	}
	assert.Zero(t, FullJitter(0, time.Second)(3), "no base wait: no wait")
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"2", 2 * time.Second},
		{"3600", 5 * time.Second},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	} {
		h := http.Header{}
		if tt.header != "" {
			h.Set("Retry-After", tt.header)
		}
		assert.Equal(t, tt.want, retryAfter(h, now, 5*time.Second), "Retry-After %q", tt.header)
	}
}

// pingServer answers the ping requests with the statuses given, one per
// request (the last repeats), and counts them.
func pingServer(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		w.Header().Set(PingBodyLimitHeader, "10")
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(st)
		fmt.Fprintf(w, "status %d", st)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestPingRetries(t *testing.T) {
	noWait := func(int) time.Duration { return 0 }
	tests := []struct {
		name     string
		statuses []int
		retries  int
		attempts int
		ok       bool
	}{
		{"first try", []int{200}, 3, 1, true},
		{"503 then ok", []int{503, 503, 200}, 3, 3, true},
		{"429 then ok", []int{429, 200}, 3, 2, true},
		{"408 then ok", []int{408, 200}, 3, 2, true},
		{"404 is final", []int{404, 200}, 3, 1, false},
		{"400 is final", []int{400, 200}, 3, 1, false},
		{"501 is final", []int{501, 200}, 3, 1, false},
		{"retries run out", []int{500}, 2, 3, false},
		{"no retries", []int{500, 200}, 0, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := pingServer(t, tt.statuses...)
			c := &Client{BaseURL: srv.URL, Retries: tt.retries, Backoff: noWait}
			sent, err := c.Ping(context.Background(), Ping{PublicID: "0f0e7d39-28a4-4b9e-9d6e-0a1b2c3d4e5f"})
			assert.Equal(t, tt.ok, err == nil, "err: %v", err)
			assert.Equal(t, tt.attempts, sent.Attempts)
			assert.Equal(t, int32(tt.attempts), n.Load(), "requests the server got")
			assert.Equal(t, 10, sent.BodyLimit, "Ping-Body-Limit is read from every answer")
		})
	}
}

func TestPingStopsWithContext(t *testing.T) {
	srv, n := pingServer(t, 503)
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{BaseURL: srv.URL, Retries: 100, Backoff: func(int) time.Duration { cancel(); return time.Hour }}
	sent, err := c.Ping(ctx, Ping{PublicID: "x"})
	require.Error(t, err)
	assert.Equal(t, 1, sent.Attempts)
	assert.Equal(t, int32(1), n.Load())
}

func TestPingUntrustedCertificateIsNotRetried(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := &Client{BaseURL: srv.URL, Retries: 3, Backoff: func(int) time.Duration { return 0 }}
	sent, err := c.Ping(context.Background(), Ping{PublicID: "x"})
	require.Error(t, err)
	assert.False(t, Retryable(err))
	assert.True(t, Misconfigured(err), "%v", err)
	assert.Equal(t, 1, sent.Attempts)
	assert.Equal(t, int32(1), conns.Load(), "one TLS handshake, no retries")
}

func TestCheckRedirect(t *testing.T) {
	var hits atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, srv.URL+r.URL.Path, http.StatusTemporaryRedirect) // a loop
	}))
	t.Cleanup(srv.Close)
	c := &Client{BaseURL: srv.URL, Retries: 3, Backoff: func(int) time.Duration { return 0 }}
	sent, err := c.Ping(context.Background(), Ping{PublicID: "x"})
	var re *RedirectError
	require.ErrorAs(t, err, &re)
	assert.False(t, Retryable(err))
	assert.Equal(t, 1, sent.Attempts)
	assert.Equal(t, int32(maxRedirects), hits.Load(), "one request and its redirects, not retried")

	https, _ := url.Parse("https://a/ping/x")
	plain, _ := url.Parse("http://a/ping/x")
	assert.Error(t, CheckRedirect(&http.Request{URL: plain}, []*http.Request{{URL: https}}), "https to http")
	assert.NoError(t, CheckRedirect(&http.Request{URL: https}, []*http.Request{{URL: plain}}), "http to https")
}

func TestPingRequest(t *testing.T) {
	got := make(chan *http.Request, 1)
	body := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		body <- string(b)
	}))
	t.Cleanup(srv.Close)
	c := &Client{BaseURL: srv.URL + "/", UserAgent: "pakyas-cli/test"}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	_, err := c.Ping(context.Background(), Ping{PublicID: "abc", Kind: "2", RunID: "r1", Host: "h", Duration: 1500 * time.Millisecond, At: at, Body: []byte("out")})
	require.NoError(t, err)
	r := <-got
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/ping/abc/2", r.URL.Path)
	assert.Equal(t, url.Values{"rid": {"r1"}, "host": {"h"}, "duration_ms": {"1500"}, "ts": {"2026-03-04T05:06:07Z"}}, r.URL.Query())
	assert.Equal(t, "pakyas-cli/test", r.UserAgent())
	assert.Equal(t, "out", <-body)
}

func TestHTTPErrorFromJSONAndText(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/me" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprint(w, `{"code":"unauthorized","error":"unknown API key","hint":"pakyas login"}`)
			return
		}
		w.WriteHeader(404)
		fmt.Fprint(w, "not found: no check has this ID\n")
	}))
	t.Cleanup(srv.Close)
	c := &Client{BaseURL: srv.URL, APIKey: "pk_live_x"}
	_, err := c.Me(context.Background())
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, HTTPError{StatusCode: 401, Code: "unauthorized", Message: "unknown API key", Hint: "pakyas login"}, *he)
	_, err = c.Ping(context.Background(), Ping{PublicID: "x"})
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "not found: no check has this ID", he.Message)
	assert.True(t, IsStatus(err, 404))
	assert.True(t, errors.Is(err, err))
}

func TestTail(t *testing.T) {
	assert.Equal(t, "6789", string(Tail([]byte("0123456789"), 4)))
	assert.Equal(t, "0123", string(Tail([]byte("0123"), 4)))
	assert.Equal(t, "0123", string(Tail([]byte("0123"), 0)))
}

func TestTrace(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	var log strings.Builder
	c := &Client{BaseURL: srv.URL, APIKey: "pk_live_secret", HTTP: &http.Client{Transport: Trace(http.DefaultTransport, &log)}}
	_, err := c.Me(context.Background())
	require.Error(t, err)
	assert.Regexp(t, `^\[pakyas\] GET `+srv.URL+`/api/v1/me: 418 I'm a teapot \(\d+m?s\)\n$`, log.String())
	assert.NotContains(t, log.String(), "pk_live_secret")
}
