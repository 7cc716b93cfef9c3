package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/core/store/sqlite"
	"github.com/pakyas/pakyas/internal/testutil"
)

// serveSlowPing serves a server with the given shutdown timeout and sends
// it a ping whose body has only begun to arrive: its handler is busy
// reading it. It returns the connection and Serve's result.
func serveSlowPing(t *testing.T, ctx context.Context, timeout time.Duration) (net.Conn, <-chan error) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "pakyas.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	srv := server.New(st, testutil.NewClock(testutil.Epoch), server.Config{Manual: true, ShutdownTimeout: timeout})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = fmt.Fprintf(conn, "POST /ping/%s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello", uuid.NewString())
	require.NoError(t, err)
	// Wait until its handler runs: /metrics counts it and itself.
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "pakyas_http_requests_in_flight 2\n")
	}, 5*time.Second, 10*time.Millisecond)
	return conn, done
}

// TestShutdownLetsRequestsFinish: a request in flight when the server is
// told to stop is answered, and Serve waits for it and then returns
// without an error.
func TestShutdownLetsRequestsFinish(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	conn, done := serveSlowPing(t, ctx, 10*time.Second)

	cancel()
	require.Never(t, func() bool { return len(done) > 0 }, 300*time.Millisecond, 10*time.Millisecond,
		"Serve returned while a handler was still running")
	_, err := conn.Write([]byte("world"))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, []int{http.StatusNotFound, http.StatusServiceUnavailable}, resp.StatusCode,
		"the request is answered (unknown check, or refused while stopping)")
	select {
	case err := <-done:
		assert.NoError(t, err, "every request finished in time")
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the last request finished")
	}
}

// TestShutdownIsBounded: a request that does not finish (a body that
// keeps trickling in) does not hold the stop past ShutdownTimeout, as the
// server's read timeout would: its connection is closed, its handler
// returns, and Serve returns an error that says requests were cut off.
func TestShutdownIsBounded(t *testing.T) {
	const timeout = 600 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	conn, done := serveSlowPing(t, ctx, timeout)

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		elapsed := time.Since(start)
		assert.GreaterOrEqual(t, elapsed, timeout*5/6-50*time.Millisecond, "requests get most of the timeout to finish")
		assert.Less(t, elapsed, timeout+time.Second, "the stop fits in the timeout")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cut off")
	case <-time.After(10 * time.Second):
		t.Fatal("Serve waited for a request that does not finish, past ShutdownTimeout")
	}
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := http.ReadResponse(bufio.NewReader(conn), nil)
	assert.Error(t, err, "the stuck request's connection is closed")
}
