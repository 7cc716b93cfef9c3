package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
)

const testUUID = "550e8400-e29b-41d4-a716-446655440000"

// request is what the fake Healthchecks server received.
type request struct {
	Method, Path, Query, Body, ContentType string
}

// fakeHC starts a server on 127.0.0.1 answering status and recording each
// request.
func fakeHC(t *testing.T, status int) (*httptest.Server, <-chan request) {
	t.Helper()
	got := make(chan request, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- request{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Get("Content-Type")}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "OK")
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func configured(t *testing.T, endpoint string) *healthchecks {
	t.Helper()
	h := newHealthchecks("test")
	require.NoError(t, h.Configure(context.Background(), target.Config{
		Global: map[string]any{"endpoint": endpoint},
		Check:  map[string]any{"uuid": testUUID},
	}))
	return h
}

func TestSend(t *testing.T) {
	tests := []struct {
		name  string
		event target.Event
		want  request
	}{
		{"start", target.Event{Type: target.Start, RunID: "r-1"},
			request{"POST", "/" + testUUID + "/start", "rid=r-1", "", "text/plain"}},
		{"success with output", target.Event{Type: target.Success, ExitCode: new(0), RunID: "r-1", Output: "done\n"},
			request{"POST", "/" + testUUID, "rid=r-1", "done\n", "text/plain"}},
		{"fail with exit code", target.Event{Type: target.Fail, ExitCode: new(3), RunID: "r-1", Output: "disk full"},
			request{"POST", "/" + testUUID + "/3", "rid=r-1", "disk full", "text/plain"}},
		{"fail without exit code", target.Event{Type: target.Fail, RunID: "r-1"},
			request{"POST", "/" + testUUID + "/fail", "rid=r-1", "", "text/plain"}},
		{"fail with code 0 is not a success", target.Event{Type: target.Fail, ExitCode: new(0)},
			request{"POST", "/" + testUUID + "/fail", "", "", "text/plain"}},
		{"fail with code above 255", target.Event{Type: target.Fail, ExitCode: new(300)},
			request{"POST", "/" + testUUID + "/fail", "", "", "text/plain"}},
		{"no run id, no query", target.Event{Type: target.Success},
			request{"POST", "/" + testUUID, "", "", "text/plain"}},
		{"run id is escaped", target.Event{Type: target.Start, RunID: "a b&c"},
			request{"POST", "/" + testUUID + "/start", "rid=a+b%26c", "", "text/plain"}},
		{"raw output bytes", target.Event{Type: target.Fail, ExitCode: new(1), Output: "\xff\xfe bin"},
			request{"POST", "/" + testUUID + "/1", "", "\xff\xfe bin", "text/plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := fakeHC(t, http.StatusOK)
			h := configured(t, srv.URL)

			res, err := h.Send(context.Background(), tt.event)
			require.NoError(t, err)
			assert.Equal(t, "HTTP 200 OK", res.Message)
			assert.Positive(t, res.Latency)
			assert.Equal(t, tt.want, <-got)
		})
	}
}

func TestSendEndpointWithPath(t *testing.T) {
	srv, got := fakeHC(t, http.StatusOK)
	h := configured(t, srv.URL+"/ping/") // a self-hosted instance

	_, err := h.Send(context.Background(), target.Event{Type: target.Success})
	require.NoError(t, err)
	assert.Equal(t, "/ping/"+testUUID, (<-got).Path)
}

func TestSendErrors(t *testing.T) {
	t.Run("unknown uuid", func(t *testing.T) {
		srv, _ := fakeHC(t, http.StatusNotFound)
		h := configured(t, srv.URL)
		res, err := h.Send(context.Background(), target.Event{CheckIdentifier: "backup-db", Type: target.Success})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "404 Not Found")
		assert.Contains(t, err.Error(), `check uuid in [checks."backup-db".targets.healthchecks]`)
		assert.Equal(t, "HTTP 404 Not Found", res.Message)
	})
	t.Run("server down", func(t *testing.T) {
		srv, _ := fakeHC(t, http.StatusOK)
		srv.Close()
		h := configured(t, srv.URL)
		_, err := h.Send(context.Background(), target.Event{Type: target.Success})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "healthchecks:")
	})
	t.Run("deadline", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		h := configured(t, srv.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := h.Send(ctx, target.Event{Type: target.Success})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name         string
		global       map[string]any
		check        map[string]any
		wantEndpoint string
		wantUUID     string
		wantErr      []string // "<scope>/<key>"
	}{
		{"default endpoint", nil, map[string]any{"uuid": testUUID}, defaultEndpoint, testUUID, nil},
		{"custom endpoint, trailing slash trimmed", map[string]any{"endpoint": "https://hc.example.com/ping/"},
			map[string]any{"uuid": testUUID}, "https://hc.example.com/ping", testUUID, nil},
		{"uuid normalised to lower case", nil, map[string]any{"uuid": " 550E8400-E29B-41D4-A716-446655440000 "},
			defaultEndpoint, testUUID, nil},
		{"bad endpoint", map[string]any{"endpoint": "hc-ping.com"}, map[string]any{"uuid": testUUID},
			"", "", []string{"global/endpoint"}},
		{"endpoint with query", map[string]any{"endpoint": "https://hc-ping.com/?x=1"}, map[string]any{"uuid": testUUID},
			"", "", []string{"global/endpoint"}},
		{"bad uuid", nil, map[string]any{"uuid": "backup-db"}, "", "", []string{"check/uuid"}},
		{"both bad", map[string]any{"endpoint": "ftp://x"}, map[string]any{"uuid": ""}, "", "",
			[]string{"global/endpoint", "check/uuid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHealthchecks("test")
			err := h.Configure(context.Background(), target.Config{Global: tt.global, Check: tt.check})
			if tt.wantErr != nil {
				var ce *target.ConfigError
				require.ErrorAs(t, err, &ce)
				var got []string
				for _, f := range ce.Fields {
					got = append(got, string(f.Scope)+"/"+f.Path[0])
				}
				assert.Equal(t, tt.wantErr, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantEndpoint, h.endpoint)
			assert.Equal(t, tt.wantUUID, h.uuid)
		})
	}
}
