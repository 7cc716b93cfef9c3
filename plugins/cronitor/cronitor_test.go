package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
)

const testKey = "k3y/with space"

// request is what the fake Cronitor server received.
type request struct {
	Method, Path, Query string
}

// fakeCronitor starts a server on 127.0.0.1 answering status and recording
// each request.
func fakeCronitor(t *testing.T, status int) (*httptest.Server, <-chan request) {
	t.Helper()
	got := make(chan request, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- request{r.Method, r.URL.EscapedPath(), r.URL.RawQuery}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func configured(t *testing.T, endpoint string) *cronitor {
	t.Helper()
	c := newCronitor("test")
	require.NoError(t, c.Configure(context.Background(), target.Config{
		Global: map[string]any{"endpoint": endpoint, "api_key": testKey},
		Check:  map[string]any{"monitor_key": "backup-db-monitor"},
	}))
	return c
}

func TestSend(t *testing.T) {
	const path = "/p/k3y%2Fwith%20space/backup-db-monitor"
	tests := []struct {
		name      string
		event     target.Event
		wantQuery string
	}{
		{"start", target.Event{Type: target.Start, RunID: "r-1", Host: "server1"},
			"host=server1&series=r-1&state=run"},
		{"success", target.Event{Type: target.Success, ExitCode: new(0), Duration: 12345 * time.Millisecond,
			RunID: "r-1", Host: "server1", Output: "done"},
			"duration=12.345&host=server1&message=done&series=r-1&state=complete&status_code=0"},
		{"fail", target.Event{Type: target.Fail, ExitCode: new(3), Duration: 2 * time.Second,
			RunID: "r-1", Host: "server1", Output: "disk full & more"},
			"duration=2&host=server1&message=disk+full+%26+more&series=r-1&state=fail&status_code=3"},
		{"fail without exit code or duration", target.Event{Type: target.Fail},
			"state=fail"},
		{"start never sends a duration", target.Event{Type: target.Start, Duration: time.Second},
			"state=run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := fakeCronitor(t, http.StatusOK)
			c := configured(t, srv.URL)

			res, err := c.Send(context.Background(), tt.event)
			require.NoError(t, err)
			assert.Equal(t, "HTTP 200 OK", res.Message)
			assert.Equal(t, request{"GET", path, tt.wantQuery}, <-got)
		})
	}
}

func TestSendLongOutputKeepsTheTail(t *testing.T) {
	srv, got := fakeCronitor(t, http.StatusOK)
	c := configured(t, srv.URL)
	out := strings.Repeat("a", 3000) + strings.Repeat("é", 1000) // é is 2 bytes

	_, err := c.Send(context.Background(), target.Event{Type: target.Fail, Output: out})
	require.NoError(t, err)
	r := <-got
	q, err := parseQuery(r.Query)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("é", 1000), q) // exactly the last 2000 bytes
}

func parseQuery(raw string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/?"+raw, nil)
	if err != nil {
		return "", err
	}
	return req.URL.Query().Get("message"), nil
}

func TestLastBytes(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "def"},
		{"aé", 1, ""},                   // the cut falls inside é: nothing whole is left
		{"aéb", 2, "b"},                 // skip the half character
		{"\xff\xff\xff", 2, "\xff\xff"}, // not UTF-8: cut as bytes
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, lastBytes(tt.in, tt.n), "lastBytes(%q, %d)", tt.in, tt.n)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{http.StatusForbidden, "check api_key in [targets.cronitor]"},
		{http.StatusNotFound, `check monitor_key in [checks."backup-db".targets.cronitor]`},
		{http.StatusInternalServerError, "500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv, _ := fakeCronitor(t, tt.status)
			c := configured(t, srv.URL)
			_, err := c.Send(context.Background(), target.Event{CheckIdentifier: "backup-db", Type: target.Start})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSendErrorHidesTheAPIKey(t *testing.T) {
	srv, _ := fakeCronitor(t, http.StatusOK)
	srv.Close()
	c := configured(t, srv.URL)

	_, err := c.Send(context.Background(), target.Event{Type: target.Start})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "k3y")
	assert.Contains(t, err.Error(), "/p/<api_key>/backup-db-monitor")
}

func TestSendDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := configured(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()

	_, err := c.Send(ctx, target.Event{Type: target.Start})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "k3y")
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name    string
		global  map[string]any
		check   map[string]any
		wantErr []string // "<scope>/<key>"
	}{
		{"good, default endpoint", map[string]any{"api_key": "k"}, map[string]any{"monitor_key": "m"}, nil},
		{"good, custom endpoint", map[string]any{"api_key": "k", "endpoint": "http://127.0.0.1:8080/"},
			map[string]any{"monitor_key": "m"}, nil},
		{"blank api_key", map[string]any{"api_key": " "}, map[string]any{"monitor_key": "m"}, []string{"global/api_key"}},
		{"blank monitor_key", map[string]any{"api_key": "k"}, map[string]any{"monitor_key": ""}, []string{"check/monitor_key"}},
		{"bad endpoint", map[string]any{"api_key": "k", "endpoint": "cronitor.link"},
			map[string]any{"monitor_key": "m"}, []string{"global/endpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newCronitor("test").Configure(context.Background(), target.Config{Global: tt.global, Check: tt.check})
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			var ce *target.ConfigError
			require.ErrorAs(t, err, &ce)
			var got []string
			for _, f := range ce.Fields {
				got = append(got, string(f.Scope)+"/"+f.Path[0])
			}
			assert.Equal(t, tt.wantErr, got)
		})
	}
}
