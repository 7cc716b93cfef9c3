//go:build unix

package target_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/internal/testutil"
	"github.com/pakyas/pakyas/internal/testutil/syncbuf"
)

// webhookBin is plugins/webhook built by TestMain.
var webhookBin string

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		runHelper() // a child process of a test, see helper_test.go
		return
	}
	var err error
	if webhookBin, err = testutil.Build("./plugins/webhook", "pakyas-target-webhook"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func launch(t *testing.T, opts target.LaunchOptions) *target.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := target.Launch(ctx, webhookBin, opts)
	require.NoError(t, err)
	t.Cleanup(c.Kill)
	return c
}

func TestLaunch(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.Method + " " + string(b)
	}))
	t.Cleanup(srv.Close)

	c := launch(t, target.LaunchOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	info, err := c.Describe(ctx)
	require.NoError(t, err)
	assert.Equal(t, "webhook", info.Name)
	assert.Equal(t, "dev", info.Version)
	assert.Equal(t, 1, info.ProtocolVersion)

	var ce *target.ConfigError
	require.ErrorAs(t, c.Configure(ctx, target.Config{Global: map[string]any{"url": "nope"}}), &ce)
	assert.Equal(t, []string{"url"}, ce.Fields[0].Path)

	require.NoError(t, c.Configure(ctx, target.Config{Global: map[string]any{"url": srv.URL}}))
	res, err := c.Send(ctx, target.Event{CheckIdentifier: "backup-db", Type: target.Fail, ExitCode: new(3),
		Duration: 2 * time.Second, Timestamp: time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC), Host: "h", Output: "boom"})
	require.NoError(t, err)
	assert.Equal(t, "HTTP 200 OK", res.Message)
	assert.Equal(t, `POST {"check_identifier":"backup-db","event_type":"fail","exit_code":3,"duration_ms":2000,"timestamp":"2025-01-02T10:00:00Z","host":"h","output":"boom"}`, <-got)

	pid := c.Pid()
	require.NotZero(t, pid)
	start := time.Now()
	c.Kill()
	assert.Less(t, time.Since(start), time.Second, "the plugin exits promptly when asked, go-plugin need not wait 2 s to kill it")
	assert.True(t, c.Exited())
	assert.False(t, alive(pid))
	c.Kill() // again: harmless
}

// Launch starts the plugin in a process group of its own, so a signal sent
// to pakyas's group (timeout(1), systemd, kill -TERM -PGID) does not reach
// it: pakyas still has a finish event to send through it.
func TestLaunchProcessGroup(t *testing.T) {
	c := launch(t, target.LaunchOptions{})
	pgid, err := syscall.Getpgid(c.Pid())
	require.NoError(t, err)
	assert.Equal(t, c.Pid(), pgid, "the plugin leads a group of its own")
	assert.NotEqual(t, syscall.Getpgrp(), pgid, "not the host's group")
}

// The host's deadline reaches the plugin process: a receiver that never
// answers costs the deadline, not more.
func TestLaunchSendDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	c := launch(t, target.LaunchOptions{})
	require.NoError(t, c.Configure(context.Background(), target.Config{Global: map[string]any{"url": srv.URL}}))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Send(ctx, target.Event{Type: target.Start})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestLaunchLogging(t *testing.T) {
	t.Run("silent", func(t *testing.T) {
		var buf bytes.Buffer
		c := launch(t, target.LaunchOptions{Stderr: &buf})
		_, err := c.Describe(context.Background())
		require.NoError(t, err)
		c.Kill()
		assert.Empty(t, buf.String())
	})
	t.Run("verbose: warnings only", func(t *testing.T) {
		var buf syncbuf.Buffer
		c := launch(t, target.LaunchOptions{Verbose: true, Stderr: &buf})
		c.Kill()
		assert.NotContains(t, buf.String(), "[DEBUG]", "the host's debug log is -vv's")
	})
	t.Run("debug", func(t *testing.T) {
		var buf syncbuf.Buffer
		c := launch(t, target.LaunchOptions{Verbose: true, Debug: true, Stderr: &buf})
		c.Kill()
		assert.Contains(t, buf.String(), "[DEBUG] plugin")
	})
}

func TestLaunchErrors(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
		return p
	}
	tests := []struct {
		name    string
		path    string
		opts    target.LaunchOptions
		wantErr string
	}{
		{"missing", filepath.Join(dir, "pakyas-target-nope"), target.LaunchOptions{}, "no such file"},
		// go-plugin says either, as its reader or its process watcher
		// notices first.
		{"exits at once", script("exits", "exit 3"), target.LaunchOptions{}, "Failed to read any lines|plugin exited before we could connect"},
		{"prints garbage", script("garbage", "echo hello; exec sleep 10"), target.LaunchOptions{}, "hello"},
		{"never answers", script("hangs", "exec sleep 10"), target.LaunchOptions{StartTimeout: 300 * time.Millisecond}, "timeout"},
		{"speaks net/rpc", script("netrpc", "echo '1|1|unix|/tmp/x|netrpc|'; exec sleep 10"), target.LaunchOptions{}, "netrpc"},
		{"speaks protocol 2", script("v2", "echo '1|2|unix|/tmp/x|grpc|'; exec sleep 10"), target.LaunchOptions{}, "Plugin version: 2, Client versions: [1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			c, err := target.Launch(context.Background(), tt.path, tt.opts)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.True(t, slices.ContainsFunc(strings.Split(tt.wantErr, "|"), func(w string) bool {
				return strings.Contains(err.Error(), w)
			}), "%q does not say %q", err, tt.wantErr)
			assert.Contains(t, err.Error(), "launch "+tt.path)
			assert.Less(t, time.Since(start), 3*time.Second)
		})
	}
	t.Run("ctx deadline bounds the start", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := target.Launch(ctx, script("slow", "exec sleep 10"), target.LaunchOptions{StartTimeout: time.Minute})
		require.Error(t, err)
		assert.Less(t, time.Since(start), 3*time.Second)
	})
	t.Run("ctx already done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := target.Launch(ctx, webhookBin, target.LaunchOptions{})
		require.ErrorIs(t, err, context.Canceled)
	})
}
