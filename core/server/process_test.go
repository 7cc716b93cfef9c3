package server_test

import (
	"bufio"
	"context"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

// proc is a `pakyas server --dev` process.
type proc struct {
	cmd      *exec.Cmd
	url, key string
	stderr   *strings.Builder
}

func startProc(t *testing.T, dir string) *proc {
	t.Helper()
	bin := testutil.Binary(t, "./cmd/pakyas", "pakyas")
	cmd := exec.Command(bin, "server", "--dev", "--listen", "127.0.0.1:0", "--data-dir", dir)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &proc{cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = &syncWriter{b: p.stderr}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "server stderr: %s", p.stderr)
	f := strings.Fields(line)
	require.Len(t, f, 6, "exactly one 'pakyas login' line: %q", line)
	require.Equal(t, []string{"pakyas", "login", "--api-url"}, f[:3])
	require.Equal(t, "--api-key", f[4])
	assert.Regexp(t, `^pk_live_[A-Za-z0-9]+$`, f[5])
	p.url, p.key = f[3], f[5]
	waitHealthy(t, p.url)
	return p
}

// waitHealthy returns once the server at url answers /healthz.
func waitHealthy(t *testing.T, url string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 10*time.Second, 20*time.Millisecond, "%s/healthz", url)
}

func (p *proc) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not stop after %v; stderr: %s", sig, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

type syncWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// load sends pings from several goroutines until stopped.
type load struct {
	acked atomic.Int64 // pings the server answered with 200
	stopc chan struct{}
	wg    sync.WaitGroup
}

func pingLoad(url, publicID string) *load {
	l := &load{stopc: make(chan struct{})}
	for g := 0; g < 8; g++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			c := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-l.stopc:
					return
				default:
				}
				resp, err := c.Post(url+"/ping/"+publicID+"/log", "text/plain", strings.NewReader("line"))
				if err != nil {
					continue
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					l.acked.Add(1)
				}
			}
		}()
	}
	return l
}

// stop stops the load and returns how many pings were acknowledged, once
// no request is in flight any more.
func (l *load) stop(t *testing.T) int {
	t.Helper()
	close(l.stopc)
	finished := make(chan struct{})
	go func() { l.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("ping load goroutines still running 10s after stop")
	}
	return int(l.acked.Load())
}

func countSignals(t *testing.T, c *api.Client, ref string) int {
	t.Helper()
	n, before := 0, ""
	for {
		page, err := c.Timeline(context.Background(), ref, before, 1000)
		require.NoError(t, err)
		for _, e := range page.Entries {
			if e.Kind == "signal" {
				n++
			}
		}
		if page.NextCursor == "" {
			return n
		}
		before = page.NextCursor
	}
}

// TestProcessRestart starts `pakyas server`, pings it under load, stops it
// with SIGTERM and later with SIGKILL, restarts it on the same data
// directory and finds every check, signal and timeline entry it had
// acknowledged, and the same --dev key.
func TestProcessRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	ctx := context.Background()
	dir := t.TempDir()
	p := startProc(t, dir)
	c := &api.Client{BaseURL: p.url, APIKey: p.key}
	me, err := c.Me(ctx)
	require.NoError(t, err)
	require.Len(t, me.Orgs, 1)
	require.Len(t, me.Orgs[0].Projects, 1, "--dev creates exactly one project")
	ch, err := c.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Slug: ptr("backup"), Period: ptr[int64](3600)})
	require.NoError(t, err)
	for _, kind := range []string{"start", "", "fail", "2", "0"} {
		_, err := c.Ping(ctx, api.Ping{PublicID: ch.PublicID, Kind: kind})
		require.NoError(t, err)
	}
	before, err := c.Timeline(ctx, ch.ID, "", 1000)
	require.NoError(t, err)

	// SIGTERM while pings are in flight: in-flight requests finish and
	// every acknowledged ping is stored.
	l := pingLoad(p.url, ch.PublicID)
	require.Eventually(t, func() bool { return l.acked.Load() > 50 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM), "graceful stop exits 0; stderr: %s", p.stderr)
	termAcked := l.stop(t)

	p2 := startProc(t, dir)
	assert.Equal(t, p.key, p2.key, "restarted --dev prints the same key")
	c2 := &api.Client{BaseURL: p2.url, APIKey: p2.key}
	got, err := c2.Check(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, "up", got.Status)
	assert.Equal(t, 5+termAcked, countSignals(t, c2, ch.ID), "every acknowledged ping survived SIGTERM")
	after, err := c2.Timeline(ctx, ch.ID, "", 1000)
	require.NoError(t, err)
	for _, e := range before.Entries {
		assert.Contains(t, after.Entries, e, "timeline entry %d survived", e.ID)
	}

	// SIGKILL under load: nothing acknowledged is lost either.
	l = pingLoad(p2.url, ch.PublicID)
	require.Eventually(t, func() bool { return l.acked.Load() > 50 }, 10*time.Second, time.Millisecond)
	require.NoError(t, p2.cmd.Process.Kill())
	_ = p2.cmd.Wait()
	killAcked := l.stop(t)

	p3 := startProc(t, dir)
	c3 := &api.Client{BaseURL: p3.url, APIKey: p3.key}
	n := countSignals(t, c3, ch.ID)
	assert.GreaterOrEqual(t, n, 5+termAcked+killAcked, "every acknowledged ping survived SIGKILL")
	assert.Equal(t, 0, p3.stop(t, syscall.SIGINT))
}
