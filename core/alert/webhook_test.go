package alert

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// recorded is one request an httptest peer received.
type recorded struct {
	method, path, contentType, userAgent, body string
}

// peer starts an HTTP server that records each request and answers it with
// the next of answers (the last one repeats).
func peer(t *testing.T, answers ...func(w http.ResponseWriter)) (*httptest.Server, chan recorded) {
	t.Helper()
	got := make(chan recorded, 100)
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- recorded{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), string(b)}
		answers[min(n, len(answers)-1)](w)
		n++
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func answer(status int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestWebhookSendsDocument(t *testing.T) {
	tests := []struct {
		name string
		msg  func() core.AlertMessage
		want string
	}{
		{"down", downMsg, `{"event":"status_change",
			"check":{"id":"c0ffee00-0000-4000-8000-000000000001","public_id":"9a1e0000-0000-4000-8000-000000000002",
				"name":"Nightly Backup","slug":"nightly-backup","project":"Infra"},
			"from":"up","to":"down","from_label":"On Schedule","to_label":"Missing","recovery":false,
			"reason":"no success signal since 02:00 UTC","at":"2026-05-06T03:00:00Z"}`},
		{"test", func() core.AlertMessage { m := downMsg(); m.Test, m.CheckID = true, ""; return m }, `{"event":"test",
			"check":{"id":"","public_id":"9a1e0000-0000-4000-8000-000000000002",
				"name":"Nightly Backup","slug":"nightly-backup","project":"Infra"},
			"from":"up","to":"down","from_label":"On Schedule","to_label":"Missing","recovery":false,
			"reason":"no success signal since 02:00 UTC","at":"2026-05-06T03:00:00Z"}`},
		{"at in UTC", func() core.AlertMessage {
			m := upMsg()
			m.At = m.At.In(time.FixedZone("CEST", 2*3600))
			return m
		}, `{"event":"status_change",
			"check":{"id":"c0ffee00-0000-4000-8000-000000000001","public_id":"9a1e0000-0000-4000-8000-000000000002",
				"name":"Nightly Backup","slug":"nightly-backup","project":"Infra"},
			"from":"down","to":"up","from_label":"Missing","to_label":"On Schedule","recovery":true,
			"reason":"success signal received","at":"2026-05-06T03:05:00Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := peer(t, answer(http.StatusNoContent, ""))
			w := &Webhook{Client: srv.Client()}
			ch := core.Channel{Name: "ops", Kind: core.ChannelWebhook, Target: srv.URL + "/hooks/pakyas?token=s3cret"}
			require.NoError(t, w.Notify(context.Background(), ch, tt.msg()))
			r := <-got
			assert.Equal(t, http.MethodPost, r.method)
			assert.Equal(t, "/hooks/pakyas", r.path)
			assert.Equal(t, "application/json", r.contentType)
			assert.Equal(t, "pakyas-server", r.userAgent)
			assert.JSONEq(t, tt.want, r.body)
		})
	}
}

func TestPostClassifiesAnswers(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		status    int
		body      string
		permanent bool
		wantErr   string
	}{
		{400, "invalid_payload", true, "HTTP 400 Bad Request"},
		{401, "", true, "HTTP 401 Unauthorized"},
		{403, "action_prohibited", true, "HTTP 403 Forbidden"},
		{404, "no_service\n", true, "HTTP 404 Not Found"},
		{410, "channel_is_archived", true, "HTTP 410 Gone"},
		{408, "", false, "HTTP 408 Request Timeout"},
		{429, "slow down", false, "HTTP 429 Too Many Requests"},
		{500, long, false, "HTTP 500 Internal Server Error"},
		{502, "", false, "HTTP 502 Bad Gateway"},
		{503, "secret: internal-db-password", false, "HTTP 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv, _ := peer(t, answer(tt.status, tt.body))
			ch := core.Channel{Kind: core.ChannelWebhook, Target: srv.URL}
			err := (&Webhook{Client: srv.Client()}).Notify(context.Background(), ch, downMsg())
			require.Error(t, err)
			assert.Equal(t, tt.wantErr, err.Error(), "the status, never the answer's body")
			assert.Equal(t, tt.permanent, IsPermanent(err))
			var he *HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tt.status, he.StatusCode)
		})
	}
}

func TestPostRetryAfter(t *testing.T) {
	srv, _ := peer(t, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	err := (&Webhook{Client: srv.Client()}).Notify(context.Background(), core.Channel{Target: srv.URL}, downMsg())
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 2*time.Minute, he.RetryAfter)
}

func TestPostConnectionErrorHidesURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL + "/services/T000/B000/s3cret"
	srv.Close() // nothing listens any more

	err := (&Webhook{Client: &http.Client{}}).Notify(context.Background(), core.Channel{Target: target}, downMsg())
	require.Error(t, err)
	assert.False(t, IsPermanent(err), "a refused connection may work later")
	assert.Equal(t, "post to "+srv.URL+": could not connect", err.Error(), "no detail that tells a closed port from a filtered one")
	assert.NotContains(t, err.Error(), "s3cret")
}

func TestPostHonoursContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := (&Webhook{Client: srv.Client()}).Notify(ctx, core.Channel{Target: srv.URL}, downMsg())
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	assert.False(t, IsPermanent(err))
}

func TestWebhookRefusesBadTarget(t *testing.T) {
	err := (&Webhook{}).Notify(context.Background(), core.Channel{Target: "ftp://example.com/x"}, downMsg())
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Equal(t, core.EINVALID, core.ErrorCode(err))
}

// TestWebhookSigned: a channel with a secret signs its alerts as Standard
// Webhooks specifies; the reference implementation verifies them, and a
// tampered body fails.
func TestWebhookSigned(t *testing.T) {
	got := make(chan *http.Request, 2)
	bodies := make(chan []byte, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	secret := NewSecret()
	require.True(t, strings.HasPrefix(secret, "whsec_"))
	ch := core.Channel{Kind: core.ChannelWebhook, Target: srv.URL, Secret: secret}
	msg := downMsg()
	msg.DeliveryID = "msg_42"
	for range 2 { // two attempts of one alert
		_ = (&Webhook{Client: srv.Client()}).Notify(context.Background(), ch, msg)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	for range 2 {
		r, body := <-got, <-bodies
		assert.Equal(t, "msg_42", r.Header.Get("webhook-id"), "stable across retries")
		assert.NotEmpty(t, r.Header.Get("webhook-timestamp"))
		assert.True(t, strings.HasPrefix(r.Header.Get("webhook-signature"), "v1,"))
		require.NoError(t, wh.Verify(body, r.Header))
		assert.Error(t, wh.Verify(append(body, ' '), r.Header), "a changed body fails")
	}
	other, err := standardwebhooks.NewWebhook(NewSecret())
	require.NoError(t, err)
	_ = (&Webhook{Client: srv.Client()}).Notify(context.Background(), ch, msg)
	r, body := <-got, <-bodies
	assert.Error(t, other.Verify(body, r.Header), "another secret does not verify")

	_ = (&Webhook{Client: srv.Client()}).Notify(context.Background(), core.Channel{Target: srv.URL}, msg)
	r = <-got
	<-bodies
	assert.Empty(t, r.Header.Get("webhook-signature"), "no secret: unsigned")
}
