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

// TestShutdownWaitsForHandlers: when the shutdown timeout passes with a
// request still being read, Serve still waits for its handler before it
// returns (and the caller closes the store), and the late request is
// answered, not cut off.
func TestShutdownWaitsForHandlers(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "pakyas.db"))
	require.NoError(t, err)
	defer st.Close()
	srv := server.New(st, testutil.NewClock(testutil.Epoch), server.Config{Manual: true, ShutdownTimeout: 50 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	// A ping whose body arrives slowly: its handler is busy reading it.
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

	cancel()
	require.Never(t, func() bool { return len(done) > 0 }, 300*time.Millisecond, 10*time.Millisecond,
		"Serve returned while a handler was still running")
	_, err = conn.Write([]byte("world"))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, []int{http.StatusNotFound, http.StatusServiceUnavailable}, resp.StatusCode,
		"the request is answered (unknown check, or refused while stopping)")
	select {
	case err := <-done:
		assert.Error(t, err, "the shutdown timed out, and says so")
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last handler finished")
	}
}
