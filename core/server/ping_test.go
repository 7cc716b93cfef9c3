package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

// TestPingEndpoints: the healthchecks.io-compatible URL forms, methods,
// answers and refusals.
func TestPingEndpoints(t *testing.T) {
	srv, _, _, ch := setup(t)
	base := "/ping/" + ch.PublicID
	cases := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"success GET", "GET", base, 200, "OK"},
		{"success POST", "POST", base, 200, "OK"},
		{"success HEAD", "HEAD", base, 200, ""},
		{"start", "GET", base + "/start", 200, "OK"},
		{"fail", "GET", base + "/fail", 200, "OK"},
		{"log", "POST", base + "/log", 200, "OK"},
		{"exit code 0", "GET", base + "/0", 200, "OK"},
		{"exit code 255", "GET", base + "/255", 200, "OK"},
		{"rid", "GET", base + "/start?rid=" + uuid.NewString(), 200, "OK"},
		// As healthchecks' own ping views answer them:
		{"trailing slash", "GET", base + "/", 200, "OK"},
		{"exit code 007", "GET", base + "/007", 200, "OK"},
		{"any method", "PUT", base, 200, "OK"},
		{"OPTIONS too", "OPTIONS", base + "/log", 200, "OK"},
		{"upper-case rid", "GET", base + "/start?rid=" + strings.ToUpper(uuid.NewString()), 200, "OK"},
		{"exit code 256", "GET", base + "/256", 400, "invalid url format"},
		{"exit code 99999999999999999999", "GET", base + "/99999999999999999999", 400, "invalid url format"},
		{"exit code -1 is a slug URL", "GET", base + "/-1", 404, "not found"},
		{"unknown action is a slug URL", "GET", base + "/finish", 404, "not found"},
		{"slash after an action", "GET", base + "/fail/", 404, ""},
		{"malformed rid", "GET", base + "?rid=abc", 400, "invalid uuid format"},
		{"empty rid", "GET", base + "?rid=", 400, "invalid uuid format"},
		{"rid without dashes", "GET", base + "?rid=" + strings.ReplaceAll(uuid.NewString(), "-", ""), 400, "invalid uuid format"},
		{"rid in braces", "GET", base + "?rid={" + uuid.NewString() + "}", 400, "invalid uuid format"},
		{"unknown id", "GET", "/ping/" + uuid.NewString(), 404, "not found"},
		{"unknown id before a bad exit code", "GET", "/ping/" + uuid.NewString() + "/256", 404, "not found"},
		{"unknown id before a bad rid", "GET", "/ping/" + uuid.NewString() + "?rid=x", 404, "not found"},
		{"upper-case id", "GET", "/ping/" + strings.ToUpper(ch.PublicID), 404, "not found"},
		{"id without dashes", "GET", "/ping/" + strings.ReplaceAll(ch.PublicID, "-", "") + "/", 404, "not found"},
		{"not a uuid", "GET", "/ping/my-job", 404, "not found"},
		{"future ts", "GET", base + "?ts=" + srv.Clock.Now().Add(time.Hour).Format(time.RFC3339), 400, "in the future"},
		{"ts before retention", "GET", base + "?ts=" + srv.Clock.Now().AddDate(-1, 0, 0).Format(time.RFC3339), 400, "older than"},
		{"bad ts", "GET", base + "?ts=yesterday", 400, "invalid ts"},
		{"bad duration", "GET", base + "?duration_ms=soon", 400, "invalid duration_ms"},
		{"duration that overflows", "GET", base + "?duration_ms=9223372036854775807", 400, "invalid duration_ms"},
		{"duration over a year", "GET", base + "?duration_ms=31708800001", 400, "from 0 to 31622400000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := ping(t, srv, tc.method, tc.path, "")
			assert.Equal(t, tc.status, code, body)
			assert.Contains(t, body, tc.body)
		})
	}
}

// TestPingHeaders: healthchecks' answer headers: the body limit and CORS
// on an accepted ping, never_cache on every answer of the endpoint.
func TestPingHeaders(t *testing.T) {
	srv, _, _, ch := setup(t)
	resp, err := http.Get(srv.URL + "/ping/" + ch.PublicID)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, strconv.Itoa(core.MaxBodySize), resp.Header.Get("Ping-Body-Limit"))
	assert.Equal(t, "max-age=0, no-cache, no-store, must-revalidate, private", resp.Header.Get("Cache-Control"))
	assert.NotEmpty(t, resp.Header.Get("Expires"))
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))

	resp, err = http.Get(srv.URL + "/ping/" + uuid.NewString())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, resp.Header.Get("Ping-Body-Limit"))
	assert.Contains(t, resp.Header.Get("Cache-Control"), "no-cache")

	// The slug forms' refusals too: an unknown key, an unknown action, a
	// slug with capitals.
	for _, path := range []string{"/ping/nokeynokeynokeynokeyno/nightly", "/ping/" + ch.PublicID + "/finish", "/ping/somekey/Nightly"} {
		resp, err = http.Get(srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.GreaterOrEqual(t, resp.StatusCode, 400, path)
		assert.Contains(t, resp.Header.Get("Cache-Control"), "no-cache", path)
	}
}

// TestPingBodyAnyMethod: the body is kept whatever the method, as
// healthchecks reads it.
func TestPingBodyAnyMethod(t *testing.T) {
	srv, c, _, ch := setup(t)
	code, _ := ping(t, srv, "PUT", "/ping/"+ch.PublicID+"/log", "from PUT")
	require.Equal(t, 200, code)
	got := status(t, c, ch.ID)
	require.NotEmpty(t, got.Signals)
	assert.Equal(t, "from PUT", got.Signals[0].Output)
	assert.Equal(t, "PUT", got.Signals[0].Method)
}

// TestPingBySlug: /ping/<ping-key>/<slug>, as healthchecks' slug URLs:
// the project's ping key, every action, 404 for an unknown key or slug,
// ?create=1 creating the check (201 "Created"), capitals refused.
func TestPingBySlug(t *testing.T) {
	srv, c, p, ch := setup(t)
	proj, err := c.NewPingKey(context.Background(), p.ID)
	require.NoError(t, err)
	require.Len(t, proj.PingKey, 22)
	base := "/ping/" + proj.PingKey + "/" + ch.Slug
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", base, 200, "OK"},
		{"POST", base + "/start?rid=" + uuid.NewString(), 200, "OK"},
		{"GET", base + "/fail", 200, "OK"},
		{"POST", base + "/log", 200, "OK"},
		{"GET", base + "/0", 200, "OK"},
		{"GET", base + "/256", 400, "invalid url format"},
		{"GET", base + "/finish", 404, "not found"},
		{"GET", base + "?rid=x", 400, "invalid uuid format"},
		{"GET", "/ping/" + proj.PingKey + "/no-such-check", 404, "not found"},
		{"GET", "/ping/wrongwrongwrongwrongww/" + ch.Slug, 404, "not found"},
		{"GET", "/ping/wrongwrongwrongwrongww/new-one?create=1", 404, "not found"},
		{"GET", "/ping/" + proj.PingKey + "/Hourly-Sync", 400, "invalid url format"},
		{"GET", "/ping/" + proj.PingKey + "/new-one?create=yes", 404, "not found"},
		{"GET", "/ping/" + proj.PingKey + "/new-one?create=1", 201, "Created"},
		{"GET", "/ping/" + proj.PingKey + "/new-one?create=1", 200, "OK"},
	} {
		code, body := ping(t, srv, tc.method, tc.path, "")
		assert.Equal(t, tc.status, code, "%s %s: %s", tc.method, tc.path, body)
		assert.Contains(t, body, tc.body, "%s %s", tc.method, tc.path)
	}
	got := status(t, c, ch.ID)
	assert.Len(t, got.Signals, 5, "the accepted pings, and only them")
	created, err := c.CheckBySlug(context.Background(), p.ID, "new-one")
	require.NoError(t, err)
	assert.Equal(t, "new-one", created.Name)
	assert.Len(t, created.Signals, 2)

	again, err := c.NewPingKey(context.Background(), p.ID)
	require.NoError(t, err)
	code, _ := ping(t, srv, "GET", base, "")
	assert.Equal(t, 404, code, "a new key replaces the old one")
	code, _ = ping(t, srv, "GET", "/ping/"+again.PingKey+"/"+ch.Slug, "")
	assert.Equal(t, 200, code)
}

// TestPingBody: bodies are kept byte for byte up to the limit, longer
// ones are truncated and still answered 200, and the limit is advertised.
func TestPingBody(t *testing.T) {
	srv, c, _, ch := setup(t)
	raw := "caf\xc3\xa9 \xff\xfe binary\x00ok"
	req, err := http.NewRequest("POST", srv.URL+"/ping/"+ch.PublicID+"/fail", strings.NewReader(raw))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, strconv.Itoa(core.MaxBodySize), resp.Header.Get("Ping-Body-Limit"))

	page, err := srv.Store.Timeline(context.Background(), ch.ID, core.TimelinePage{Limit: 1, Kinds: []core.EntryKind{core.EntrySignal}})
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, []byte(raw), page[0].Signal.Body, "job output need not be UTF-8 and is kept byte for byte")

	// Finding 6: the API gives it back exactly, in base64.
	shown, err := c.Check(context.Background(), ch.ID)
	require.NoError(t, err)
	back, err := base64.StdEncoding.DecodeString(shown.Signals[0].OutputBase64)
	require.NoError(t, err)
	assert.Equal(t, []byte(raw), back)
	assert.Equal(t, "caf\u00e9 \ufffd binary\x00ok", shown.Signals[0].Output)

	big := strings.Repeat("0123456789", 15_000) // 150 KB
	code, _ := ping(t, srv, "POST", "/ping/"+ch.PublicID, big)
	assert.Equal(t, 200, code, "a body over the limit is truncated, not refused")
	got := status(t, c, ch.ID)
	require.NotEmpty(t, got.Signals)
	assert.Len(t, got.Signals[0].Output, core.MaxBodySize)
	assert.True(t, got.Signals[0].OutputTruncated)
	assert.Equal(t, big[:core.MaxBodySize], got.Signals[0].Output)
}

// TestPingBigBodyAnswered: a body far over the limit (a whole log file,
// as `curl --data-binary @backup.log` sends it) is read to its end, so
// that the sender can send all of it and then read its 200; answering
// while it still sends would close the connection under it.
func TestPingBigBodyAnswered(t *testing.T) {
	srv, _, _, ch := setup(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	body := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16) // 5 MiB
	for range 3 {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, err = fmt.Fprintf(conn, "POST /ping/%s/log HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", ch.PublicID, addr, len(body))
		require.NoError(t, err)
		_, err = conn.Write(body)
		require.NoError(t, err, "the server read the whole body before closing")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		conn.Close()
		assert.Equal(t, 200, resp.StatusCode)
	}
}

// TestDeliveredLate: a signal replayed from a client's spool goes on the
// timeline at the time it happened, and changes the status only if no
// newer signal has arrived since.
func TestDeliveredLate(t *testing.T) {
	srv, c, _, ch := setup(t)
	base := "/ping/" + ch.PublicID
	happened := srv.Clock.Now()
	srv.Clock.Add(20 * time.Minute)

	code, _ := ping(t, srv, "GET", base+"/fail?ts="+happened.Format(time.RFC3339Nano)+"&host=db1&duration_ms=1500", "")
	require.Equal(t, 200, code)
	got := status(t, c, ch.ID)
	assert.Equal(t, "failed", got.Status, "the oldest signal still sets the status when nothing newer exists")
	sig := got.Signals[0]
	assert.True(t, sig.At.Equal(happened), "recorded at the time it happened: %s", sig.At)
	assert.True(t, sig.DeliveredLate)
	assert.Equal(t, "db1", sig.Host)
	assert.Equal(t, int64(1500), sig.DurationMS)

	// A newer success arrives, then an older failure is replayed: the
	// failure is recorded but the check stays up.
	code, _ = ping(t, srv, "GET", base, "")
	require.Equal(t, 200, code)
	older := happened.Add(5 * time.Minute)
	code, _ = ping(t, srv, "GET", base+"/fail?ts="+strconv.FormatInt(older.UnixMilli(), 10), "")
	require.Equal(t, 200, code)
	got = status(t, c, ch.ID)
	assert.Equal(t, "up", got.Status)
	require.Len(t, got.Signals, 3)
	assert.Equal(t, "success", got.Signals[0].Kind, "the timeline is ordered by when signals happened")
	assert.Equal(t, "fail", got.Signals[1].Kind)
	assert.True(t, got.Signals[1].At.Equal(older))
	var note bool
	for _, e := range got.Timeline {
		if e.Kind == "note" && strings.Contains(e.Reason, "delivered late") {
			note = true
		}
	}
	assert.True(t, note, "the timeline says the old signal did not change the status")
}

// TestOverrunning: a start with no finish inside the max runtime makes
// the check overrunning; the evaluation loop finds it after a restart of
// the loop without scanning anything else.
func TestOverrunning(t *testing.T) {
	srv, c, _, ch := setup(t)
	ctx := context.Background()
	code, _ := ping(t, srv, "GET", "/ping/"+ch.PublicID+"/start", "")
	require.Equal(t, 200, code)
	srv.Clock.Add(299 * time.Second) // max runtime defaults to the grace, 300s
	_, err := srv.EvaluateDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, "running", status(t, c, ch.ID).Status)
	srv.Clock.Add(time.Second)
	_, err = srv.EvaluateDue(ctx)
	require.NoError(t, err)
	got := status(t, c, ch.ID)
	assert.Equal(t, "overrunning", got.Status)
	code, _ = ping(t, srv, "GET", "/ping/"+ch.PublicID, "")
	require.Equal(t, 200, code)
	assert.Equal(t, "up", status(t, c, ch.ID).Status)
}

// TestReplayedSignalIsRecordedOnce: a client's spool re-sends a signal
// whose answer it did not get; the server acknowledges the repeat without
// storing it twice.
func TestReplayedSignalIsRecordedOnce(t *testing.T) {
	srv, c, _, ch := setup(t)
	happened := srv.Clock.Now().Add(-10 * time.Minute).Format(time.RFC3339Nano)
	rid := uuid.NewString()
	for i := 0; i < 3; i++ {
		code, body := ping(t, srv, "POST", "/ping/"+ch.PublicID+"/2?rid="+rid+"&ts="+happened, "disk full")
		require.Equal(t, 200, code, body)
	}
	// A different signal at the same instant is not a repeat.
	code, _ := ping(t, srv, "POST", "/ping/"+ch.PublicID+"/start?rid="+rid+"&ts="+happened, "")
	require.Equal(t, 200, code)
	got := status(t, c, ch.ID)
	require.Len(t, got.Signals, 2)
	kinds := []string{got.Signals[0].Kind, got.Signals[1].Kind}
	assert.ElementsMatch(t, []string{"fail", "start"}, kinds)
}

// TestReplayAfterLostAnswer: the live ping was stored but its answer was
// lost, so the client spooled it and replays it with the time it
// happened; the run id shows it is the same signal.
func TestReplayAfterLostAnswer(t *testing.T) {
	srv, c, _, ch := setup(t)
	rid := uuid.NewString()
	happened := srv.Clock.Now().Add(-2 * time.Second) // the client's clock, a little behind
	code, _ := ping(t, srv, "POST", "/ping/"+ch.PublicID+"/0?rid="+rid, "")
	require.Equal(t, 200, code)
	srv.Clock.Add(time.Minute)
	code, _ = ping(t, srv, "POST", "/ping/"+ch.PublicID+"/0?rid="+rid+"&ts="+happened.Format(time.RFC3339Nano), "")
	require.Equal(t, 200, code)
	assert.Len(t, status(t, c, ch.ID).Signals, 1)
}

func TestPingRecordsForwardedAddress(t *testing.T) {
	srv, c, _, ch := setup(t)
	for fwd, want := range map[string]string{"": "127.0.0.1", "1.1.1.1, 2.2.2.2": "1.1.1.1", "1.1.1.1:1234": "1.1.1.1", "2001::1": "2001::1"} {
		req, err := http.NewRequest("GET", srv.URL+"/ping/"+ch.PublicID+"/log", nil)
		require.NoError(t, err)
		if fwd != "" {
			req.Header.Set("X-Forwarded-For", fwd)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		got := status(t, c, ch.ID)
		assert.Equal(t, want, got.Signals[0].RemoteAddr, fwd)
	}
}

// TestPingCronitorForm: Cronitor's telemetry URL /p/<ping-key>/<monitor>
// with its parameters, so a job calling cronitor.link changes only the
// base URL: state=run/complete/ok/fail, status_code, duration in seconds,
// series pairing a run, message as the output.
func TestPingCronitorForm(t *testing.T) {
	srv, c, p, ch := setup(t)
	proj, err := c.NewPingKey(context.Background(), p.ID)
	require.NoError(t, err)
	base := "/p/" + proj.PingKey + "/" + ch.Slug
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", base + "?state=run&series=nightly-42&host=db1", 200, "OK"},
		{"GET", base + "?state=complete&series=nightly-42&duration=12.5&status_code=0", 200, "OK"},
		{"POST", base + "?state=fail&message=disk%20full", 200, "OK"},
		{"GET", base + "?state=complete&status_code=3", 200, "OK"},
		{"GET", base + "?state=ok", 200, "OK"},
		{"GET", base + "?state=paused", 400, `invalid state "paused"`},
		{"GET", base + "?status_code=300", 400, "invalid status_code"},
		{"GET", base + "?duration=soon", 400, "invalid duration"},
		{"GET", base + "?duration=NaN", 400, `invalid duration "NaN"`},
		{"GET", "/p/" + proj.PingKey + "/no-such-monitor", 404, "not found"},
		{"GET", "/p/wrongwrongwrongwrongww/" + ch.Slug, 404, "not found"},
	} {
		code, body := ping(t, srv, tc.method, tc.path, "")
		assert.Equal(t, tc.status, code, "%s %s: %s", tc.method, tc.path, body)
		assert.Contains(t, body, tc.body, "%s %s", tc.method, tc.path)
	}
	page, err := srv.Store.Timeline(context.Background(), ch.ID, core.TimelinePage{Kinds: []core.EntryKind{core.EntrySignal}})
	require.NoError(t, err)
	require.Len(t, page, 5, "the accepted pings, and only them")
	sigs := make([]*core.Signal, 5)
	for i, e := range page { // newest first
		sigs[4-i] = e.Signal
	}
	assert.Equal(t, core.SignalStart, sigs[0].Kind)
	assert.Equal(t, "db1", sigs[0].Host)
	assert.Equal(t, core.SignalSuccess, sigs[1].Kind)
	assert.Equal(t, 12500*time.Millisecond, sigs[1].Duration)
	assert.Equal(t, 0, *sigs[1].ExitCode)
	assert.NotEmpty(t, sigs[0].RunID)
	assert.Equal(t, sigs[0].RunID, sigs[1].RunID, "one series, one run")
	assert.Equal(t, core.SignalFail, sigs[2].Kind)
	assert.Equal(t, "disk full", string(sigs[2].Body))
	assert.Equal(t, core.SignalFail, sigs[3].Kind)
	assert.Equal(t, 3, *sigs[3].ExitCode)
	assert.Equal(t, core.SignalSuccess, sigs[4].Kind)

	// A body sent chunked (no Content-Length) is the output, not message.
	req, err := http.NewRequest("POST", srv.URL+base+"?state=fail&message=from-the-url", io.MultiReader(strings.NewReader("from the body\n")))
	require.NoError(t, err)
	req.ContentLength = -1 // chunked
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	page, err = srv.Store.Timeline(context.Background(), ch.ID, core.TimelinePage{Limit: 1, Kinds: []core.EntryKind{core.EntrySignal}})
	require.NoError(t, err)
	assert.Equal(t, "from the body\n", string(page[0].Signal.Body))
}

// TestCheckNamedAll: a check named "All" gets a slug of its own, not
// "all", which is the project's badge.
func TestCheckNamedAll(t *testing.T) {
	_, c, p, _ := setup(t)
	ch, err := c.CreateCheck(context.Background(), p.ID, api.CheckInput{Name: ptr("All")})
	require.NoError(t, err)
	assert.Equal(t, "all-checks", ch.Slug)
}

// TestBadges: /badge/<badge-key>/<slug>.svg and .json show a check's
// status without an API key, all.svg the project's worst; the badge key is
// not derived from any ID; an unknown key or slug is 404.
func TestBadges(t *testing.T) {
	srv, c, p, ch := setup(t)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	var key string
	for _, o := range me.Orgs {
		for _, pr := range o.Projects {
			if pr.ID == p.ID {
				key = pr.BadgeKey
			}
		}
	}
	require.Len(t, key, 22)
	assert.NotContains(t, key, ch.PublicID[:8])
	got, err := c.Check(context.Background(), ch.ID)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/badge/"+key+"/"+ch.Slug+".svg", got.BadgeURL)

	get := func(path string) (int, string, string) {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	code, ctype, body := get("/badge/" + key + "/" + ch.Slug + ".svg")
	assert.Equal(t, 200, code)
	assert.Equal(t, "image/svg+xml", ctype)
	assert.Contains(t, body, ">new</text>")
	ping(t, srv, "GET", "/ping/"+ch.PublicID+"/fail", "")
	code, _, body = get("/badge/" + key + "/" + ch.Slug + ".json")
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"schemaVersion": 1, "label": "`+ch.Slug+`", "message": "failed", "color": "red"}`, body)
	_, _, body = get("/badge/" + key + "/all.svg")
	assert.Contains(t, body, ">failed</text>", "the project's worst")
	for _, path := range []string{"/badge/" + key + "/no-such.svg", "/badge/wrongwrongwrongwrongww/" + ch.Slug + ".svg", "/badge/" + key + "/" + ch.Slug + ".png"} {
		code, _, _ := get(path)
		assert.Equal(t, 404, code, path)
	}
}
