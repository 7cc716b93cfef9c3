package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
)

// request is what the fake receiver got.
type request struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// receiver starts a webhook receiver on 127.0.0.1 answering status.
func receiver(t *testing.T, status int) (*httptest.Server, <-chan request) {
	t.Helper()
	got := make(chan request, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- request{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func configured(t *testing.T, global map[string]any) *webhook {
	t.Helper()
	w := newWebhook("test")
	w.now = func() time.Time { return time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC) }
	require.NoError(t, w.Configure(context.Background(), target.Config{Global: global}))
	return w
}

var berlin = time.FixedZone("CET", 3600)

func TestSendPayload(t *testing.T) {
	tests := []struct {
		name  string
		event target.Event
		want  string
	}{
		{"the document's example",
			target.Event{CheckIdentifier: "backup-db", Type: target.Success, ExitCode: new(0),
				Duration: 12345 * time.Millisecond, Timestamp: time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC),
				Host: "server1.example.com", Output: "...", RunID: "r-1"},
			`{"check_identifier":"backup-db","event_type":"success","exit_code":0,"duration_ms":12345,"timestamp":"2025-01-02T10:00:00Z","host":"server1.example.com","output":"..."}`},
		{"start has no exit code",
			target.Event{CheckIdentifier: "backup-db", Type: target.Start,
				Timestamp: time.Date(2025, 1, 2, 11, 0, 0, 500, berlin), Host: "h"},
			`{"check_identifier":"backup-db","event_type":"start","exit_code":null,"duration_ms":0,"timestamp":"2025-01-02T10:00:00Z","host":"h","output":""}`},
		{"fail with output",
			target.Event{CheckIdentifier: "550e8400-e29b-41d4-a716-446655440000", Type: target.Fail, ExitCode: new(2),
				Duration: 1999 * time.Microsecond, Timestamp: time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC),
				Output: "line 1\n<err> \"quoted\"\n\xff"},
			`{"check_identifier":"550e8400-e29b-41d4-a716-446655440000","event_type":"fail","exit_code":2,"duration_ms":1,"timestamp":"2025-01-02T10:00:00Z","host":"","output":"line 1\n<err> \"quoted\"\n\ufffd"}`},
		{"no timestamp: now",
			target.Event{CheckIdentifier: "c", Type: target.Fail},
			`{"check_identifier":"c","event_type":"fail","exit_code":null,"duration_ms":0,"timestamp":"2025-01-02T10:00:00Z","host":"","output":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := receiver(t, http.StatusOK)
			w := configured(t, map[string]any{"url": srv.URL + "/api/ping?token=abc"})

			res, err := w.Send(context.Background(), tt.event)
			require.NoError(t, err)
			assert.Equal(t, "HTTP 200 OK", res.Message)
			r := <-got
			assert.Equal(t, "POST", r.Method)
			assert.Equal(t, "/api/ping", r.Path)
			assert.Equal(t, "token=abc", r.Query)
			assert.Equal(t, tt.want, r.Body)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, "pakyas-target-webhook/test", r.Header.Get("User-Agent"))
			assert.Empty(t, r.Header.Get(signatureHeader))
		})
	}
}

func TestSendHeadersAndSignature(t *testing.T) {
	srv, got := receiver(t, http.StatusNoContent)
	w := configured(t, map[string]any{
		"url":     srv.URL,
		"headers": map[string]any{"Authorization": "Bearer t0ken", "X-Env": "prod"},
		"secret":  "s3cret",
	})

	_, err := w.Send(context.Background(), target.Event{CheckIdentifier: "c", Type: target.Start,
		Timestamp: time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	r := <-got
	assert.Equal(t, "Bearer t0ken", r.Header.Get("Authorization"))
	assert.Equal(t, "prod", r.Header.Get("X-Env"))

	// What a receiver does: HMAC the raw body with the shared secret.
	m := hmac.New(sha256.New, []byte("s3cret"))
	m.Write([]byte(r.Body))
	assert.Equal(t, "sha256="+hex.EncodeToString(m.Sum(nil)), r.Header.Get(signatureHeader))
	// A known vector, so the scheme cannot drift unnoticed.
	assert.Equal(t, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
		sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog")))
}

func TestSendErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "bad token", http.StatusUnauthorized)
		}))
		t.Cleanup(srv.Close)
		w := configured(t, map[string]any{"url": srv.URL})
		res, err := w.Send(context.Background(), target.Event{Type: target.Start})
		require.Error(t, err)
		assert.Equal(t, `webhook answered 401 Unauthorized ("bad token"): check url and headers in [targets.webhook]`, err.Error())
		assert.Equal(t, "HTTP 401 Unauthorized", res.Message)
	})
	t.Run("receiver down", func(t *testing.T) {
		srv, _ := receiver(t, http.StatusOK)
		srv.Close()
		w := configured(t, map[string]any{"url": srv.URL})
		_, err := w.Send(context.Background(), target.Event{Type: target.Start})
		require.Error(t, err)
	})
	t.Run("deadline", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		w := configured(t, map[string]any{"url": srv.URL})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := w.Send(ctx, target.Event{Type: target.Start})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name    string
		global  map[string]any
		wantErr [][]string // paths
	}{
		{"url only", map[string]any{"url": "https://status.example.com/api/ping"}, nil},
		{"everything", map[string]any{"url": "http://127.0.0.1:9/x", "headers": map[string]string{"X-A": "b"}, "secret": "s"}, nil},
		{"not a URL", map[string]any{"url": "status.example.com"}, [][]string{{"url"}}},
		{"wrong scheme", map[string]any{"url": "ftp://example.com"}, [][]string{{"url"}}},
		{"bad header name", map[string]any{"url": "https://e.com", "headers": map[string]string{"X Bad": "v"}},
			[][]string{{"headers", "X Bad"}}},
		{"header value with a newline", map[string]any{"url": "https://e.com", "headers": map[string]string{"X-A": "v\r\nX-B: w"}},
			[][]string{{"headers", "X-A"}}},
		{"signature header is ours", map[string]any{"url": "https://e.com", "headers": map[string]string{"x-pakyas-signature": "v"}},
			[][]string{{"headers", "x-pakyas-signature"}}},
		{"empty secret", map[string]any{"url": "https://e.com", "secret": ""}, [][]string{{"secret"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newWebhook("test").Configure(context.Background(), target.Config{Global: tt.global})
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			var ce *target.ConfigError
			require.ErrorAs(t, err, &ce)
			var got [][]string
			for _, f := range ce.Fields {
				assert.Equal(t, target.ScopeGlobal, f.Scope)
				got = append(got, f.Path)
			}
			assert.Equal(t, tt.wantErr, got)
		})
	}
}
