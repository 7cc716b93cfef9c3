//go:build unix

package monitor

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/pakyas/pakyas/core/spool"
)

type streams struct{ stdout, stderr, log bytes.Buffer }

func runConfig(s *streams) Config {
	return Config{
		Host:   "db1",
		Stdout: &s.stdout, Stderr: &s.stderr, Log: &s.log,
		NewRunID: func() string { return testRID },
	}
}

func sh(script string) Job { return Job{Args: []string{"sh", "-c", script}} }

func TestRunExitCodes(t *testing.T) {
	for _, tt := range []struct {
		name   string
		script string
		code   int
	}{
		{"success", "exit 0", 0},
		{"failure", "exit 2", 2},
		{"job exits 3 itself", "exit 3", 3},
		{"killed by SIGTERM", "kill -TERM $$", 143},
		{"killed by SIGKILL", "kill -KILL $$", 137},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s streams
			var p pinger
			res := Run(context.Background(), runConfig(&s), sh(tt.script), deliverer(&p))
			assert.Equal(t, tt.code, res.Code)
			assert.Equal(t, tt.code, res.JobCode)
			assert.Equal(t, Reported, res.Decision.Verdict)
			assert.Equal(t, []string{"start", strconv.Itoa(tt.code)}, p.kinds(), "finish is the exit-code form")
			fin := p.last()
			assert.Equal(t, testID, fin.PublicID)
			assert.Equal(t, testRID, fin.RunID, "one run id on start and finish")
			assert.Equal(t, "db1", fin.Host)
			assert.True(t, fin.At.IsZero(), "live signals carry no time")
			lines := strings.Split(strings.TrimSpace(s.log.String()), "\n")
			require.Len(t, lines, 2, s.log.String())
			assert.Equal(t, "[pakyas] Start signal sent", lines[0])
			assert.Regexp(t, `^\[pakyas\] Finish signal sent \(exit: `+strconv.Itoa(tt.code)+`, \d+\.\ds\)$`, lines[1])
		})
	}
}

func TestRunQuietAndVerbose(t *testing.T) {
	var s streams
	cfg := runConfig(&s)
	cfg.Quiet = true
	res := Run(context.Background(), cfg, sh("echo out; exit 0"), deliverer(&pinger{}))
	assert.Equal(t, 0, res.Code)
	assert.Empty(t, s.log.String(), "-q silences pakyas's lines")
	assert.Equal(t, "out\n", s.stdout.String())

	// A job exiting 3 by itself: -v says so.
	s = streams{}
	cfg = runConfig(&s)
	cfg.Verbose = true
	res = Run(context.Background(), cfg, sh("exit 3"), deliverer(&pinger{}))
	assert.Equal(t, 3, res.Code)
	assert.Contains(t, s.log.String(), "run id "+testRID)
	assert.Contains(t, s.log.String(), "exit code 3 is the job's own, not a monitoring failure")
	assert.NotContains(t, s.log.String(), "monitoring failure,")
}

// TestRunFinishNotDelivered: exit 3, the finish kept in the spool with
// the time it happened, and stderr says why, even with -q.
func TestRunFinishNotDelivered(t *testing.T) {
	for _, jobCode := range []int{0, 2, 3} {
		t.Run(strconv.Itoa(jobCode), func(t *testing.T) {
			var s streams
			cfg := runConfig(&s)
			cfg.Quiet = true
			now := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
			cfg.Now = func() time.Time { now = now.Add(time.Second); return now }
			p := pinger{answer: func(context.Context, api.Ping) error { return refused }}
			d := deliverer(&p)
			sp := withSpool(t, d)
			res := Run(context.Background(), cfg, sh("exit "+strconv.Itoa(jobCode)), d)
			assert.Equal(t, ExitMonitoringFailure, res.Code)
			assert.Equal(t, jobCode, res.JobCode)
			assert.Equal(t, Unreported, res.Decision.Verdict)
			kept := spooled(t, sp)
			require.Len(t, kept, 2, "start and finish are both kept")
			assert.Equal(t, "start", kept[0].Kind)
			assert.Equal(t, strconv.Itoa(jobCode), kept[1].Kind)
			assert.True(t, kept[0].At.Before(kept[1].At), "each carries the time it happened")
			assert.Equal(t, testRID, kept[1].RunID)
			assert.Len(t, res.Spooled, 2)
			log := s.log.String()
			assert.NotContains(t, log, "tart signal", "-q silences the start warning")
			assert.Contains(t, log, "[pakyas] Finish signal NOT delivered after 1 attempt")
			assert.Contains(t, log, "connection refused")
			assert.Contains(t, log, "The finish signal is kept in the spool ("+res.Spooled[1]+")")
			assert.Contains(t, log, "[pakyas] Exit 3: monitoring failure, Pakyas did not get the finish signal (the job itself exited "+strconv.Itoa(jobCode)+")")
		})
	}
}

// TestRunRejected: a signal the server refuses for good is not spooled.
func TestRunRejected(t *testing.T) {
	var s streams
	p := pinger{answer: func(context.Context, api.Ping) error { return &api.HTTPError{StatusCode: 404, Message: "not found"} }}
	d := deliverer(&p)
	sp := withSpool(t, d)
	res := Run(context.Background(), runConfig(&s), sh("exit 0"), d)
	assert.Equal(t, ExitMonitoringFailure, res.Code)
	assert.Empty(t, spooled(t, sp))
	assert.Contains(t, s.log.String(), "The server refused the finish signal")
}

// TestRunStartBounded: a server that never answers the start delays the
// job by StartTimeout at most; the start is spooled, the finish delivered.
func TestRunStartBounded(t *testing.T) {
	var s streams
	cfg := runConfig(&s)
	cfg.StartTimeout = 50 * time.Millisecond
	var hung atomic.Bool
	p := pinger{answer: func(ctx context.Context, p api.Ping) error {
		if p.Kind == "start" && !hung.Swap(true) { // hangs once
			<-ctx.Done()
			return &url.Error{Op: "Post", URL: "http://x", Err: ctx.Err()}
		}
		return nil
	}}
	t0 := time.Now()
	d := deliverer(&p)
	sp := withSpool(t, d)
	d.Replay = func(ctx context.Context, e spool.Entry) error { _, err := p.Ping(ctx, e.Ping); return err }
	res := Run(context.Background(), cfg, sh("exit 0"), d)
	assert.Less(t, time.Since(t0), 5*time.Second)
	assert.Equal(t, 0, res.Code, "a failed start is a warning, not a failure")
	assert.False(t, res.StartDelivered)
	assert.True(t, res.FinishDelivered)
	// The finish went after the start was replayed, in order.
	assert.Empty(t, spooled(t, sp))
	assert.Equal(t, []string{"start", "start", "0"}, p.kinds())
	assert.Contains(t, s.log.String(), "pakyas: warning: start signal not delivered")
	assert.Contains(t, s.log.String(), "the job runs anyway")
}

func TestRunCannotStart(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec.sh")
	require.NoError(t, os.WriteFile(noexec, []byte("#!/bin/sh\nexit 0\n"), 0o644))
	for _, tt := range []struct {
		name string
		args []string
		code int
		why  string
	}{
		{"not found in PATH", []string{"pakyas-no-such-command-xyz"}, 127, "command not found"},
		{"no such file", []string{filepath.Join(dir, "missing")}, 127, "no such file"},
		{"not executable", []string{noexec}, 126, "permission denied"},
		{"a directory", []string{dir}, 126, ""},
		{"no command", nil, 126, "no command"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s streams
			var p pinger
			res := Run(context.Background(), runConfig(&s), Job{Args: tt.args}, deliverer(&p))
			assert.Equal(t, tt.code, res.Code)
			assert.False(t, res.Started)
			assert.Equal(t, []string{strconv.Itoa(tt.code)}, p.kinds(), "a failure signal, no start")
			body := string(p.last().Body)
			assert.Contains(t, body, "cannot run")
			assert.Contains(t, body, tt.why)
			assert.Contains(t, s.log.String(), "[pakyas] Cannot run")
			assert.Contains(t, s.log.String(), "(exit "+strconv.Itoa(tt.code)+")")
		})
	}
}

func TestRunOutput(t *testing.T) {
	script := `printf out1; printf err1 >&2; printf out2; printf err2 >&2`
	for _, tt := range []struct {
		capture Capture
		limit   int
		tail    string
	}{
		{CaptureStderr, 0, "err1err2"},
		{CaptureStdout, 0, "out1out2"},
		{CaptureBoth, 0, "out1err1out2err2"},
		{CaptureNone, 0, ""},
		{CaptureStderr, 3, "rr2"},
	} {
		t.Run(tt.capture.String(), func(t *testing.T) {
			var s streams
			var p pinger
			cfg := runConfig(&s)
			cfg.Capture, cfg.OutputLimit = tt.capture, tt.limit
			res := Run(context.Background(), cfg, sh(script), deliverer(&p))
			assert.Equal(t, 0, res.Code)
			assert.Equal(t, "out1out2", s.stdout.String(), "output passes through whole")
			assert.Equal(t, "err1err2", s.stderr.String())
			body := string(p.last().Body)
			if tt.capture == CaptureBoth {
				// Two pipes: the order between them is only as good as
				// the scheduler's; each stream's own order is kept.
				assert.Len(t, body, len(tt.tail))
				assert.Equal(t, "out1out2", strings.NewReplacer("err1", "", "err2", "").Replace(body))
				assert.Equal(t, "err1err2", strings.NewReplacer("out1", "", "out2", "").Replace(body))
				return
			}
			assert.Equal(t, tt.tail, body)
		})
	}
}

// TestRunBigOutput: the tail of a large output, in bounded memory.
func TestRunBigOutput(t *testing.T) {
	var p pinger
	cfg := runConfig(&streams{})
	cfg.Stderr = nil // discard
	res := Run(context.Background(), cfg, sh(`head -c 20000000 /dev/zero >&2; printf THE-END >&2`), deliverer(&p))
	assert.Equal(t, 0, res.Code)
	body := p.last().Body
	assert.Len(t, body, DefaultOutputLimit)
	assert.True(t, bytes.HasSuffix(body, []byte("THE-END")))
}

// TestRunStdin: stdin reaches the job.
func TestRunStdin(t *testing.T) {
	var s streams
	cfg := runConfig(&s)
	cfg.Stdin = strings.NewReader("hello\n")
	res := Run(context.Background(), cfg, sh("cat"), deliverer(&pinger{}))
	assert.Equal(t, 0, res.Code)
	assert.Equal(t, "hello\n", s.stdout.String())
}

// TestRunWaitDelay: a background process that keeps the captured pipe
// open does not keep pakyas waiting.
func TestRunWaitDelay(t *testing.T) {
	var s streams
	cfg := runConfig(&s)
	cfg.WaitDelay = 100 * time.Millisecond
	t0 := time.Now()
	res := Run(context.Background(), cfg, sh(`sleep 30 & echo $!; echo started >&2`), deliverer(&pinger{}))
	assert.Less(t, time.Since(t0), 10*time.Second)
	assert.Equal(t, 0, res.Code)
	pid, err := strconv.Atoi(strings.TrimSpace(s.stdout.String()))
	require.NoError(t, err)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	assert.Equal(t, "started\n", string(res.Output))
}

// TestRunDurationExcludesWaitDelay: the duration reported is the job's
// own, not the job plus the wait for a pipe a process it left behind
// holds open.
func TestRunDurationExcludesWaitDelay(t *testing.T) {
	var s streams
	cfg := runConfig(&s)
	cfg.WaitDelay = 3 * time.Second
	out, err := os.Create(filepath.Join(t.TempDir(), "stdout")) // a file, as pakyas's own stdout is
	require.NoError(t, err)
	defer out.Close()
	cfg.Stdout = out
	t0 := time.Now()
	res := Run(context.Background(), cfg, sh(`sleep 30 & echo $!; echo started >&2`), deliverer(&pinger{}))
	waited := time.Since(t0)
	b, err := os.ReadFile(out.Name())
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	assert.GreaterOrEqual(t, waited, cfg.WaitDelay, "pakyas read the pipe for WaitDelay")
	assert.Less(t, res.Duration, cfg.WaitDelay/2, "the job itself took a moment")
	assert.Equal(t, "started\n", string(res.Output))
}

// TestRunForwardsSignals: SIGTERM to pakyas reaches the job's process
// group; the job's trap runs, and the finish is still sent even though
// ctx (main's signal context) was cancelled.
func TestRunForwardsSignals(t *testing.T) {
	dir := t.TempDir()
	ready, cleaned := filepath.Join(dir, "ready"), filepath.Join(dir, "cleaned")
	script := `trap 'echo cleaned > ` + cleaned + `; exit 143' TERM; touch ` + ready + `; while :; do sleep 0.05; done`
	ctx, cancel := context.WithCancel(context.Background())
	var s streams
	var p pinger
	var res Result
	done := make(chan struct{})
	go func() {
		defer close(done)
		res = Run(ctx, runConfig(&s), sh(script), deliverer(&p))
	}()
	require.Eventually(t, func() bool { _, err := os.Stat(ready); return err == nil }, 10*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not stop")
	}
	assert.FileExists(t, cleaned)
	assert.Equal(t, 143, res.Code)
	assert.Equal(t, []string{"start", "143"}, p.kinds())
}

// TestRunSignalDuringStart: a signal that arrives while the start signal
// is in flight reaches the job as soon as it starts.
func TestRunSignalDuringStart(t *testing.T) {
	var s streams
	p := pinger{answer: func(_ context.Context, p api.Ping) error {
		if p.Kind == "start" {
			return syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}
		return nil
	}}
	t0 := time.Now()
	res := Run(context.Background(), runConfig(&s), sh("sleep 30"), deliverer(&p))
	assert.Less(t, time.Since(t0), 20*time.Second)
	assert.Equal(t, 143, res.Code)
	assert.Equal(t, []string{"start", "143"}, p.kinds())
}

// TestRunSignalDuringFinish: once the job has ended, a signal stops the
// finish signal's retries; the finish is spooled and the run exits 3.
func TestRunSignalDuringFinish(t *testing.T) {
	var s streams
	p := pinger{answer: func(ctx context.Context, p api.Ping) error {
		if p.Kind == "start" {
			return nil
		}
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			return err
		}
		<-ctx.Done() // a server that never answers
		return &url.Error{Op: "Post", URL: "http://x", Err: ctx.Err()}
	}}
	d := deliverer(&p)
	sp := withSpool(t, d)
	res := Run(context.Background(), runConfig(&s), sh("exit 0"), d)
	assert.Equal(t, ExitMonitoringFailure, res.Code)
	kept := spooled(t, sp)
	require.Len(t, kept, 1)
	assert.Equal(t, "0", kept[0].Kind)
}

// TestRunRefresh: a stale cached public ID is refreshed once.
func TestRunRefresh(t *testing.T) {
	const fresh = "660e8400-e29b-41d4-a716-446655440000"
	var s streams
	r := &resolver{ids: []string{testID, fresh}}
	p := pinger{answer: func(_ context.Context, p api.Ping) error {
		if p.PublicID != fresh {
			return &api.HTTPError{StatusCode: 404}
		}
		return nil
	}}
	d := &Deliverer{Pinger: &p, APIURL: "http://127.0.0.1:1", Slug: "backup", Resolver: r}
	res := Run(context.Background(), runConfig(&s), sh("exit 0"), d)
	assert.Equal(t, 0, res.Code)
	assert.Equal(t, int32(2), r.calls.Load())
	assert.Equal(t, fresh, p.last().PublicID)
	assert.Equal(t, []string{"start", "start", "0"}, p.kinds())
}

// TestRunRetriesOverHTTP: with the real client, a finish answered 503
// twice is delivered on the third attempt, over the one connection.
func TestRunRetriesOverHTTP(t *testing.T) {
	var mu sync.Mutex
	var got []string
	fails := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		if strings.HasSuffix(r.URL.Path, "/0") && fails > 0 {
			fails--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("OK"))
	}))
	defer srv.Close()
	c := &api.Client{BaseURL: srv.URL, Retries: 3, Backoff: func(int) time.Duration { return time.Millisecond }}
	var s streams
	res := Run(context.Background(), runConfig(&s), sh("exit 0"), deliverer(c))
	assert.Equal(t, 0, res.Code)
	require.Len(t, got, 4)
	assert.Equal(t, "POST /ping/"+testID+"/start?host=db1&rid="+testRID, got[0])
	assert.Regexp(t, `^POST /ping/`+testID+`/0\?(duration_ms=\d+&)?host=db1&rid=`+testRID+`$`, got[3])
}

// TestRunMigrationMode: the hook for external monitors decides with
// Decide (core/external provides the real one).
func TestRunMigrationMode(t *testing.T) {
	for _, tt := range []struct {
		migration, external bool
		code                int
		warn                string
	}{
		{true, true, 2, "[pakyas] Warning: Pakyas ping failed (dial tcp: connection refused), but external monitor succeeded (migration mode)"},
		{true, false, 3, "Exit 3: monitoring failure"},
		{false, true, 3, "Exit 3: monitoring failure"},
	} {
		var s streams
		cfg := runConfig(&s)
		cfg.MigrationMode = tt.migration
		p := pinger{answer: func(context.Context, api.Ping) error { return refused }}
		d := deliverer(&p)
		d.External = fakeExternal(tt.external)
		res := Run(context.Background(), cfg, sh("exit 2"), d)
		assert.Equal(t, tt.code, res.Code)
		assert.Contains(t, s.log.String(), tt.warn)
	}
}

type fakeExternal bool

func (fakeExternal) Post(context.Context, Event) {}
func (f fakeExternal) Send(context.Context, Event) bool {
	return bool(f)
}

// TestRunUnresolved: a check that does not exist: the job still runs,
// the reason is said once, and the run ends with 3; nothing is spooled.
func TestRunUnresolved(t *testing.T) {
	var s streams
	var p pinger
	r := &resolver{err: resolve.NotFound("backup", "Web")}
	d := &Deliverer{Pinger: &p, APIURL: "http://127.0.0.1:1", Slug: "backup", Resolver: r}
	sp := withSpool(t, d)
	res := Run(context.Background(), runConfig(&s), sh("echo ran; exit 0"), d)
	assert.Equal(t, ExitMonitoringFailure, res.Code)
	assert.Equal(t, "ran\n", s.stdout.String())
	assert.Empty(t, p.kinds())
	assert.Empty(t, spooled(t, sp))
	assert.Equal(t, int32(1), r.calls.Load(), "asked once")
	assert.Equal(t, "pakyas: Check not found: no check \"backup\" in project \"Web\"\n"+
		"hint: pakyas check list    # see all checks\n      pakyas check sync    # refresh the cache\n"+
		"[pakyas] Exit 3: monitoring failure, the check could not be resolved and the job ran unmonitored (the job itself exited 0)\n", s.log.String())

	s = streams{}
	res = Run(context.Background(), runConfig(&s), sh("exit 0"), nil)
	assert.Equal(t, ExitMonitoringFailure, res.Code, "no deliverer at all")
}

// TestRunUnresolvedServerDown: the server is down and nothing is cached:
// both signals are kept by slug, with what resolves them later.
func TestRunUnresolvedServerDown(t *testing.T) {
	var s streams
	var p pinger
	r := &resolver{err: api.Explain("http://127.0.0.1:1", refused)}
	d := &Deliverer{Pinger: &p, APIURL: "http://127.0.0.1:1", Slug: "backup", Resolver: r,
		Selection: Selection{Project: "Web", KeyID: "0123456789abcdef"}}
	sp := withSpool(t, d)
	res := Run(context.Background(), runConfig(&s), sh("exit 4"), d)
	assert.Equal(t, ExitMonitoringFailure, res.Code)
	assert.Empty(t, p.kinds())
	items, err := sp.List()
	require.NoError(t, err)
	require.Len(t, items, 2)
	for i, kind := range []string{"start", "4"} {
		e := items[i].Entry
		assert.Equal(t, kind, e.Ping.Kind)
		assert.Empty(t, e.Ping.PublicID)
		assert.Equal(t, []string{"backup", "Web", "0123456789abcdef"}, []string{e.Slug, e.Project, e.KeyID})
	}
	assert.Equal(t, int32(2), r.calls.Load(), "the finish tries to resolve again")
	assert.Contains(t, s.log.String(), "[pakyas] Exit 3: monitoring failure, Pakyas did not get the finish signal")

	noKey := &Deliverer{Pinger: &p, APIURL: "http://127.0.0.1:1", Slug: "backup", Resolver: r}
	sp = withSpool(t, noKey)
	s = streams{}
	Run(context.Background(), runConfig(&s), sh("exit 0"), noKey)
	assert.Empty(t, spooled(t, sp))
	assert.Contains(t, s.log.String(), "without an API key its check can never be looked up")
}

func TestSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0.0s", 12400 * time.Millisecond: "12.4s", 59940 * time.Millisecond: "59.9s",
		90 * time.Second: "1m30s", time.Hour + 250*time.Millisecond: "1h0m0.3s",
	} {
		assert.Equal(t, want, seconds(d))
	}
}
