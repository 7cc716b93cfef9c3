package monitor

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/pakyas/pakyas/core/spool"
)

// TestDeliverOutcomes: what Deliver reports, and keeps, for each answer.
func TestDeliverOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		answer    error
		delivered bool
		spooled   bool
		code      string // core code of Err
	}{
		{"delivered", nil, true, false, ""},
		{"server down", refused, false, true, core.EUNAVAILABLE},
		{"server busy", &api.HTTPError{StatusCode: 503}, false, true, core.EUNAVAILABLE},
		{"no such check", &api.HTTPError{StatusCode: 404, Message: "not found"}, false, false, core.ENOTFOUND},
		{"refused", &api.HTTPError{StatusCode: 400, Code: core.EINVALID, Message: "bad"}, false, false, core.EINVALID},
		{"cut short", &url.Error{Op: "Post", URL: "http://x", Err: context.Canceled}, false, true, core.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pinger{answer: func(context.Context, api.Ping) error { return tt.answer }}
			d := deliverer(&p)
			sp := withSpool(t, d)
			var log bytes.Buffer
			d.Log = &Log{W: &log}
			del := d.Deliver(context.Background(), Signal{Kind: "fail", At: time.Now(), Body: []byte("out")})
			assert.Equal(t, tt.delivered, del.Delivered)
			assert.Equal(t, tt.spooled, del.Spooled != "", "%s", log.String())
			assert.Equal(t, tt.code, core.ErrorCode(del.Err), "%v", del.Err)
			assert.Len(t, spooled(t, sp), map[bool]int{true: 1}[tt.spooled])
			assert.Equal(t, testID, del.PublicID)
		})
	}
}

// TestDeliverBodyLimit: once the server said how much of a body it keeps,
// later bodies are cut to their tail.
func TestDeliverBodyLimit(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(r.Body)
		mu.Lock()
		bodies = append(bodies, b.String())
		mu.Unlock()
		w.Header().Set(api.PingBodyLimitHeader, "4")
	}))
	t.Cleanup(srv.Close)
	d := deliverer(&api.Client{BaseURL: srv.URL})
	for range 2 {
		del := d.Deliver(context.Background(), Signal{Kind: "0", Body: []byte("0123456789")})
		require.True(t, del.Delivered)
		assert.Equal(t, 4, del.Sent.BodyLimit)
	}
	assert.Equal(t, []string{"0123456789", "6789"}, bodies, "the first answer tells the limit")
}

// TestSender: spooled signals go to the server they were meant for; one
// kept by slug is resolved by the resolver its entry gets, and waits
// (spool.ErrHeld) when there is none.
func TestSender(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Path+"?ts="+r.URL.Query().Get("ts"))
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	slugs := func(e spool.Entry) Resolver {
		if e.KeyID != "mine" {
			return nil
		}
		return &resolver{ids: []string{"resolved-id"}}
	}
	send := Sender(&api.Client{BaseURL: srv.URL}, slugs)
	ctx := context.Background()
	require.NoError(t, send(ctx, spool.Entry{APIURL: srv.URL, Ping: api.Ping{PublicID: "given-id", Kind: "start", At: at}}))
	require.NoError(t, send(ctx, spool.Entry{APIURL: srv.URL, Slug: "backup", KeyID: "mine", Ping: api.Ping{Kind: "0", At: at}}))
	err := send(ctx, spool.Entry{APIURL: srv.URL, Slug: "backup", KeyID: "theirs", Ping: api.Ping{Kind: "0", At: at}})
	assert.ErrorIs(t, err, spool.ErrHeld)
	assert.Contains(t, err.Error(), "theirs")
	assert.Equal(t, []string{"/ping/given-id/start?ts=2026-01-02T03:04:05Z", "/ping/resolved-id/0?ts=2026-01-02T03:04:05Z"}, got)

	// A slug the project no longer has: as final as a 404.
	gone := Sender(&api.Client{BaseURL: srv.URL}, func(spool.Entry) Resolver { return &resolver{err: resolve.NotFound("backup", "Web")} })
	err = gone(ctx, spool.Entry{APIURL: srv.URL, Slug: "backup", KeyID: "mine", Ping: api.Ping{Kind: "0", At: at}})
	assert.True(t, api.Refused(err), "%v", err)
	// The key was revoked: held, not thrown away.
	revoked := Sender(&api.Client{BaseURL: srv.URL}, func(spool.Entry) Resolver {
		return &resolver{err: &core.Error{Code: core.EUNAUTHORIZED, Message: "refused"}}
	})
	err = revoked(ctx, spool.Entry{APIURL: srv.URL, Slug: "backup", KeyID: "mine", Ping: api.Ping{Kind: "0", At: at}})
	assert.ErrorIs(t, err, spool.ErrHeld)
	// Another server: a client of its own.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, "other "+r.URL.Path)
		mu.Unlock()
	}))
	t.Cleanup(other.Close)
	require.NoError(t, send(ctx, spool.Entry{APIURL: other.URL, Ping: api.Ping{PublicID: "x", At: at}}))
	assert.Equal(t, "other /ping/x", got[len(got)-1])
}

// TestDeliverReplaysFirst: a live signal goes after what waits in the
// spool for its server, so the server gets a check's signals in order.
func TestDeliverReplaysFirst(t *testing.T) {
	var p pinger
	d := deliverer(&p)
	sp := withSpool(t, d)
	d.Replay = func(ctx context.Context, e spool.Entry) error { _, err := p.Ping(ctx, e.Ping); return err }
	_, err := sp.Add(spool.Entry{APIURL: d.APIURL, Ping: api.Ping{PublicID: testID, Kind: "start", At: time.Now()}})
	require.NoError(t, err)
	var log bytes.Buffer
	d.Log = &Log{W: &log}
	del := d.Deliver(context.Background(), Signal{Kind: "0"})
	require.True(t, del.Delivered)
	assert.Equal(t, []string{"start", "0"}, p.kinds())
	assert.Empty(t, spooled(t, sp))
	assert.Equal(t, "[pakyas] Delivered 1 signal(s) from the spool\n", log.String())
}

// TestDeliverReplayWithinDeadline: the replay before a signal takes at
// most half of what is left of that signal's deadline (--start-timeout
// bounds how long the job waits), and is skipped when little is left.
func TestDeliverReplayWithinDeadline(t *testing.T) {
	for _, tt := range []struct {
		name   string
		left   time.Duration
		replay bool
	}{{"half of what is left", 400 * time.Millisecond, true}, {"too little left", 60 * time.Millisecond, false}} {
		t.Run(tt.name, func(t *testing.T) {
			var p pinger
			d := deliverer(&p)
			sp := withSpool(t, d)
			var replayed bool
			var got time.Duration
			d.Replay = func(ctx context.Context, e spool.Entry) error {
				replayed = true
				dl, ok := ctx.Deadline()
				require.True(t, ok)
				got = time.Until(dl)
				return nil
			}
			_, err := sp.Add(spool.Entry{APIURL: d.APIURL, Ping: api.Ping{PublicID: testID, Kind: "0", At: time.Now()}})
			require.NoError(t, err)
			d.Log = &Log{W: &bytes.Buffer{}}
			ctx, cancel := context.WithTimeout(context.Background(), tt.left)
			defer cancel()
			require.True(t, d.Deliver(ctx, Signal{Kind: "start"}).Delivered)
			assert.Equal(t, tt.replay, replayed)
			if tt.replay {
				assert.LessOrEqual(t, got, tt.left/2)
				assert.Positive(t, got)
			}
		})
	}
}

func TestEventOf(t *testing.T) {
	for kind, want := range map[string]Event{
		"":      {Kind: "success"},
		"start": {Kind: "start"},
		"fail":  {Kind: "fail", NoExitCode: true},
		"0":     {Kind: "success"},
		"2":     {Kind: "fail", ExitCode: 2},
	} {
		got, ok := eventOf(Signal{Kind: kind})
		require.True(t, ok, kind)
		got.Output = nil
		assert.Equal(t, want, got, "kind %q", kind)
	}
	_, ok := eventOf(Signal{Kind: "log"})
	assert.False(t, ok, "external monitors do not take logs")
}

func TestLogEscapes(t *testing.T) {
	var b bytes.Buffer
	l := &Log{W: &b, Quiet: true}
	l.Info("hidden")
	l.Warn("hidden", "")
	l.Alert("check %q: %s", "x", "\x1b[2Jboom")
	l.WarnAlways("spool \x07", "")
	l.Error(&core.Error{Code: core.EINVALID, Message: "plain", Hint: "fix it"})
	out := b.String()
	assert.NotContains(t, out, "hidden")
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\x07")
	assert.True(t, strings.HasPrefix(out, `[pakyas] check "x": \x1b[2Jboom`+"\n"), out)
	assert.Contains(t, out, "pakyas: warning: spool \\x07\n")
	assert.Contains(t, out, "pakyas: plain\nhint: fix it\n")
	var nilLog *Log
	nilLog.Alert("nothing happens")
}

// TestFilesSender: a signal kept by slug is resolved only by a command
// with the server and API key it was made with.
func TestFilesSender(t *testing.T) {
	home := t.TempDir()
	f := OpenFiles(func(k string) string { return map[string]string{"HOME": home}[k] }, nil)
	require.NotNil(t, f.Cache)
	require.NotNil(t, f.Spool)
	assert.Equal(t, filepath.Join(home, ".local", "state", "pakyas", "spool"), f.Spool.Dir)
	s := &config.Settings{APIURL: config.Setting{Value: "http://127.0.0.1:1"}, APIKey: config.Setting{Value: "pk_live_mine"}}
	send := f.Sender(s, &api.Client{BaseURL: "http://127.0.0.1:1"})
	e := spool.Entry{APIURL: "http://127.0.0.1:1", Slug: "backup", KeyID: config.KeyID("pk_live_theirs"), Ping: api.Ping{Kind: "0", At: time.Now()}}
	assert.ErrorIs(t, send(context.Background(), e), spool.ErrHeld, "another key")
	e.KeyID, e.APIURL = s.KeyID(), "http://127.0.0.1:2"
	assert.ErrorIs(t, send(context.Background(), e), spool.ErrHeld, "another server")
	e.APIURL = "HTTP://127.0.0.1:1/"
	err := send(context.Background(), e)
	assert.NotErrorIs(t, err, spool.ErrHeld, "the same server and key resolve it (here: nothing listens)")
	assert.True(t, api.Retryable(err), "%v", err)
}

func TestDeliveryError(t *testing.T) {
	down := api.Explain("http://h", refused)
	for _, tt := range []struct {
		d    Delivery
		code string
		text string
	}{
		{Delivery{Delivered: true}, "", ""},
		{Delivery{Err: &api.HTTPError{StatusCode: 404}, PublicID: "x"}, core.ENOTFOUND, "Check not found: no check has the public ID x"},
		{Delivery{Err: down, Sent: api.Sent{Attempts: 4}, PublicID: "x"}, core.EUNAVAILABLE, "ping not delivered after 4 attempt(s): cannot reach the Pakyas server at http://h: dial tcp: connection refused"},
		{Delivery{Err: down, Unresolved: true}, core.EUNAVAILABLE, "cannot reach the Pakyas server at http://h: dial tcp: connection refused"},
		{Delivery{Err: resolve.NotFound("b", "W"), Unresolved: true}, core.ENOTFOUND, `Check not found: no check "b" in project "W"`},
	} {
		err := tt.d.Error()
		assert.Equal(t, tt.code, core.ErrorCode(err))
		assert.Equal(t, tt.text, core.ErrorText(err))
	}
}
