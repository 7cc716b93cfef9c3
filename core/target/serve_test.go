//go:build unix

package target_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
)

// A signal sent to pakyas's whole process group (timeout(1), systemd
// stopping a service, kill -TERM -PGID) must not end a plugin before
// pakyas has sent the finish event: Serve ignores SIGTERM, SIGHUP and
// SIGQUIT, and pakyas ends it by other means (TestLaunch,
// TestPluginDiesWithSIGKILLedHost).
func TestServeSurvivesGroupSignals(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	t.Cleanup(srv.Close)
	c := launch(t, target.LaunchOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Configure(ctx, target.Config{Global: map[string]any{"url": srv.URL}}))
	pid := c.Pid()

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		require.NoError(t, syscall.Kill(pid, sig))
		assert.Never(t, func() bool { return !alive(pid) }, 300*time.Millisecond, 10*time.Millisecond,
			"the plugin died of %v", sig)
		_, err := c.Send(ctx, target.Event{CheckIdentifier: "backup-db", Type: target.Fail, ExitCode: new(143)})
		require.NoError(t, err, "after %v", sig)
	}
	assert.EqualValues(t, 3, got.Load())

	c.Kill()
	assert.True(t, waitGone(pid, 3*time.Second), "Kill still ends the plugin")
}
