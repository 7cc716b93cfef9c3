package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/internal/testutil"
)

// browser is an HTTP client with cookies, as a browser is.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar}
}

func get(t *testing.T, c *http.Client, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func signInLink(t *testing.T, srv *testutil.Server) string {
	t.Helper()
	code, body, _ := srv.Do(t, "POST", "/api/v1/dashboard/link", srv.Key, nil)
	require.Equal(t, http.StatusCreated, code, "%s", body)
	var l api.DashboardLink
	require.NoError(t, json.Unmarshal(body, &l))
	require.True(t, strings.HasPrefix(l.URL, srv.URL+"/signin/pl_"), l.URL)
	assert.True(t, l.ExpiresAt.Equal(srv.Clock.Now().Add(10*time.Minute)))
	return l.URL
}

// TestDashboardSignIn: a sign-in link starts a session (HttpOnly,
// SameSite=Lax cookie) once; the overview shows the user's checks with
// their status words, problems first, and nothing of another
// organization; signed out, no check data shows; a used or expired link
// says so.
func TestDashboardSignIn(t *testing.T) {
	ctx := context.Background()
	srv := testutil.StartServer(t)
	c := srv.Client(srv.Key)
	me, err := c.Me(ctx)
	require.NoError(t, err)
	pid := me.Orgs[0].Projects[0].ID
	ids := map[string]string{}
	for _, slug := range []string{"backup-ok", "etl-broken"} {
		ch, err := c.CreateCheck(ctx, pid, api.CheckInput{Name: ptr("Job " + slug), Slug: ptr(slug), Period: ptr[int64](3600)})
		require.NoError(t, err)
		ids[slug] = ch.PublicID
	}
	_, err = c.Ping(ctx, api.Ping{PublicID: ids["backup-ok"]})
	require.NoError(t, err)
	_, err = c.Ping(ctx, api.Ping{PublicID: ids["etl-broken"], Kind: "fail"})
	require.NoError(t, err)
	ome, _ := eve(t, srv)

	b := browser(t)
	code, body, _ := get(t, b, srv.URL+"/")
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.NotContains(t, body, "backup-ok", "signed out: no check data")
	assert.Contains(t, body, "pakyas dashboard")

	link := signInLink(t, srv)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	ck := resp.Cookies()
	require.Len(t, ck, 1)
	assert.True(t, ck[0].HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, ck[0].SameSite)
	assert.False(t, ck[0].Secure, "plain http on 127.0.0.1")
	code, body, _ = get(t, b, link)
	assert.Equal(t, http.StatusGone, code, "a link works once")
	assert.Contains(t, body, "already used")

	link = signInLink(t, srv)
	code, body, hdr := get(t, b, link)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "Job backup-ok")
	assert.Contains(t, body, "On Schedule")
	assert.Contains(t, body, "Failed")
	assert.Less(t, strings.Index(body, "etl-broken"), strings.Index(body, "backup-ok"), "problems first")
	assert.NotContains(t, body, "eve-job")
	assert.NotContains(t, body, srv.Key, "no secret rendered")
	csp := hdr.Get("Content-Security-Policy")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.Contains(t, csp, "script-src 'self'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.Equal(t, "nosniff", hdr.Get("X-Content-Type-Options"))
	assert.NotContains(t, body, "<script>", "no inline script")

	code, body, _ = get(t, b, srv.URL+"/?org="+ome.Orgs[0].ID+"&project="+ome.Orgs[0].Projects[0].ID)
	require.Equal(t, http.StatusOK, code)
	assert.NotContains(t, body, "eve-job", "another organization cannot be selected")
	code, body, _ = get(t, b, srv.URL+"/?status=failed&q=etl")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "etl-broken")
	assert.NotContains(t, body, "Job backup-ok", "filtered by status")

	// Sign-out is a state change: refused from another site.
	req, err := http.NewRequest("POST", srv.URL+"/signout", nil)
	require.NoError(t, err)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = b.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "cross-origin POST refused")
	resp, err = b.Post(srv.URL+"/signout", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	code, body, _ = get(t, b, srv.URL+"/")
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.NotContains(t, body, "backup-ok")

	link = signInLink(t, srv)
	srv.Clock.Add(10 * time.Minute)
	code, body, _ = get(t, b, link)
	assert.Equal(t, http.StatusGone, code)
	assert.Contains(t, body, "expired")
	code, _, _ = get(t, b, srv.URL+"/signin/pl_forged")
	assert.Equal(t, http.StatusNotFound, code)
	code, _, _ = get(t, b, srv.URL+"/static/app.css")
	assert.Equal(t, http.StatusOK, code)
}

// TestDashboardCheckPage: the check page shows the timeline with the
// server's reasons, output tails and the monitor commands; Pause and
// Resume change the check; another organization's check is not found.
func TestDashboardCheckPage(t *testing.T) {
	ctx := context.Background()
	srv := testutil.StartServer(t)
	c := srv.Client(srv.Key)
	me, err := c.Me(ctx)
	require.NoError(t, err)
	ch, err := c.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Name: ptr("Nightly backup"), Slug: ptr("nightly"), Period: ptr[int64](3600)})
	require.NoError(t, err)
	_, err = c.Ping(ctx, api.Ping{PublicID: ch.PublicID, Kind: "3", Body: []byte("disk full <script>alert(1)</script>")})
	require.NoError(t, err)
	_, och := eve(t, srv)
	oc := srv.Client(och.key)

	b := browser(t)
	code, _, _ := get(t, b, srv.URL+"/checks/"+ch.ID)
	assert.Equal(t, http.StatusUnauthorized, code, "signed out")
	code, _, _ = get(t, b, signInLink(t, srv))
	require.Equal(t, http.StatusOK, code)

	code, body, _ := get(t, b, srv.URL+"/checks/"+ch.ID)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "Nightly backup")
	assert.Contains(t, body, "New → Failed")
	assert.Contains(t, body, "exit code 3")
	assert.Contains(t, body, "disk full &lt;script&gt;", "output escaped")
	assert.NotContains(t, body, "<script>alert")
	assert.Contains(t, body, "pakyas monitor nightly -- your-command")
	assert.Contains(t, body, "pakyas monitor --public-id "+ch.PublicID)
	code, _, _ = get(t, b, srv.URL+"/checks/"+och.ID)
	assert.Equal(t, http.StatusNotFound, code, "another organization's check")

	resp, err := b.Post(srv.URL+"/checks/"+ch.ID+"/pause", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got, err := c.Check(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, "paused", got.Status)
	_, body, _ = get(t, b, srv.URL+"/checks/"+ch.ID)
	assert.Contains(t, body, ">Resume<")
	resp, err = b.Post(srv.URL+"/checks/"+ch.ID+"/resume", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	got, err = c.Check(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, "failed", got.Status)
	resp, err = b.Post(srv.URL+"/checks/"+och.ID+"/pause", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	got, err = oc.Check(ctx, och.ID)
	require.NoError(t, err)
	assert.NotEqual(t, "paused", got.Status, "another organization's check is untouched")
}

// BenchmarkDashboard: the overview of a project with 1,000 checks, and a
// check page with a full timeline, through the real handler and SQLite
// store (the bar: under 50 ms of server time each).
func BenchmarkDashboard(b *testing.B) {
	ctx := context.Background()
	srv := testutil.StartServerWith(b, func(c *server.Config) { c.APIRate = -1 }) // seeding is not rate-limited
	c := srv.Client(srv.Key)
	me, err := c.Me(ctx)
	require.NoError(b, err)
	var first *api.Check
	for i := range 1000 {
		ch, err := c.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Slug: ptr(fmt.Sprint("job-", i)), Period: ptr[int64](3600)})
		require.NoError(b, err)
		if i == 0 {
			first = ch
		}
		if i%3 == 0 {
			_, err = c.Ping(ctx, api.Ping{PublicID: ch.PublicID, Kind: "fail"})
			require.NoError(b, err)
		}
	}
	for range 200 {
		_, err = c.Ping(ctx, api.Ping{PublicID: first.PublicID, Body: []byte("backup done, 3 GB")})
		require.NoError(b, err)
	}
	jar, err := cookiejar.New(nil)
	require.NoError(b, err)
	br := &http.Client{Jar: jar}
	code, body, _ := srv.Do(b, "POST", "/api/v1/dashboard/link", srv.Key, nil)
	require.Equal(b, http.StatusCreated, code)
	var l api.DashboardLink
	require.NoError(b, json.Unmarshal(body, &l))
	resp, err := br.Get(l.URL)
	require.NoError(b, err)
	resp.Body.Close()
	for _, tc := range []struct{ name, path string }{{"overview-1000-checks", "/"}, {"check-page", "/checks/" + first.ID}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				resp, err := br.Get(srv.URL + tc.path)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

// TestDashboardEvents: the overview's event stream says "changed" soon
// after a ping changes a check; a project of another organization has
// no stream, and signed out there is none.
func TestDashboardEvents(t *testing.T) {
	ctx := context.Background()
	srv := testutil.StartServer(t)
	c := srv.Client(srv.Key)
	me, err := c.Me(ctx)
	require.NoError(t, err)
	pid := me.Orgs[0].Projects[0].ID
	ch, err := c.CreateCheck(ctx, pid, api.CheckInput{Slug: ptr("live"), Period: ptr[int64](3600)})
	require.NoError(t, err)
	ome, _ := eve(t, srv)

	b := browser(t)
	code, _, _ := get(t, b, srv.URL+"/events?project="+pid)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _, _ = get(t, b, signInLink(t, srv))
	require.Equal(t, http.StatusOK, code)
	code, _, _ = get(t, b, srv.URL+"/events?project="+ome.Orgs[0].Projects[0].ID)
	assert.Equal(t, http.StatusNotFound, code, "another organization's project")

	for _, stream := range []string{"/events?project=" + pid, "/events?check=" + ch.ID} {
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		req, err := http.NewRequestWithContext(sctx, "GET", srv.URL+stream, nil)
		require.NoError(t, err)
		resp, err := b.Do(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		lines := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		require.Equal(t, "retry: 2000", <-lines, "connected")
		_, err = c.Ping(ctx, api.Ping{PublicID: ch.PublicID, Kind: "log", Body: []byte(stream)})
		require.NoError(t, err)
		got := false
		for l := range lines {
			if l == "event: changed" {
				got = true
				break
			}
		}
		assert.True(t, got, "%s: changed after a ping", stream)
		cancel()
		resp.Body.Close()
	}
}

// TestDashboardEventsSinceRender: a change between a page's render and its
// event stream's start (the browser loads the page, then connects) is
// sent at once on connecting, not missed until some later change.
func TestDashboardEventsSinceRender(t *testing.T) {
	ctx := context.Background()
	srv := testutil.StartServer(t)
	c := srv.Client(srv.Key)
	me, err := c.Me(ctx)
	require.NoError(t, err)
	ch, err := c.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Slug: ptr("live"), Period: ptr[int64](3600)})
	require.NoError(t, err)
	b := browser(t)
	code, _, _ := get(t, b, signInLink(t, srv))
	require.Equal(t, http.StatusOK, code)
	meta := regexp.MustCompile(`<meta name="pakyas-events" content="([^"]+)">`)
	for _, page := range []string{"/", "/checks/" + ch.ID} {
		code, body, _ := get(t, b, srv.URL+page)
		require.Equal(t, http.StatusOK, code)
		m := meta.FindStringSubmatch(body)
		require.NotNil(t, m, "%s has its event stream", page)
		stream := html.UnescapeString(m[1])
		assert.Contains(t, stream, "&fp=")

		// Unchanged since the render: nothing, at once or at the first poll.
		assert.NotContains(t, connectEvents(t, b, srv.URL+stream, 1500*time.Millisecond), "event: changed")

		_, err = c.Ping(ctx, api.Ping{PublicID: ch.PublicID, Kind: "fail"})
		require.NoError(t, err)
		assert.Contains(t, connectEvents(t, b, srv.URL+stream, 10*time.Second), "event: changed",
			"%s: changed since the render", page)
	}
}

// connectEvents opens an event stream and returns the lines it sends
// until "event: changed" or until wait has passed.
func connectEvents(t *testing.T, b *http.Client, url string, wait time.Duration) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	require.NoError(t, err)
	resp, err := b.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if sc.Text() == "event: changed" {
			break
		}
	}
	return lines
}

// TestDashboardTokensPruned: expired sign-in links and sessions are
// deleted by the hourly prune.
func TestDashboardTokensPruned(t *testing.T) {
	srv := testutil.StartServer(t)
	link := signInLink(t, srv)
	hash := server.HashAPIKey(link[strings.LastIndex(link, "/")+1:])
	_, err := srv.Store.WebToken(context.Background(), hash)
	require.NoError(t, err)
	_, err = srv.Prune(context.Background())
	require.NoError(t, err)
	_, err = srv.Store.WebToken(context.Background(), hash)
	require.NoError(t, err, "still valid: kept")
	srv.Clock.Add(10 * time.Minute)
	_, err = srv.Prune(context.Background())
	require.NoError(t, err)
	_, err = srv.Store.WebToken(context.Background(), hash)
	assert.True(t, core.IsNotFound(err), "expired: pruned (%v)", err)
}

// eveCheck is the check of another organization's user, with her key.
type eveCheck struct {
	*api.Check
	key string
}

// eve creates another user, Eve, in an organization of her own with a
// check "eve-job" ("Eve's secret job"): the dashboard must never show it.
func eve(t *testing.T, srv *testutil.Server) (*api.Me, eveCheck) {
	t.Helper()
	key := testutil.CreateAccount(t, srv.Store, srv.Clock.Now(), "eve@example.com", "Eve Corp", "Secret")
	c := srv.Client(key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	ch, err := c.CreateCheck(context.Background(), me.Orgs[0].Projects[0].ID,
		api.CheckInput{Name: ptr("Eve's secret job"), Slug: ptr("eve-job"), Period: ptr[int64](3600)})
	require.NoError(t, err)
	return me, eveCheck{Check: ch, key: key}
}

// TestDashboardShowsAlertRules: the check page shows what the timeline
// explains: a pause's end, the check it depends on, --alert-after,
// reminders, and the status badge; the held alerts are on the timeline.
func TestDashboardShowsAlertRules(t *testing.T) {
	ctx := context.Background()
	srv := testutil.StartServer(t)
	c := srv.Client(srv.Key)
	me, err := c.Me(ctx)
	require.NoError(t, err)
	pid := me.Orgs[0].Projects[0].ID
	_, err = c.CreateCheck(ctx, pid, api.CheckInput{Name: ptr("DB"), Slug: ptr("db")})
	require.NoError(t, err)
	ch, err := c.CreateCheck(ctx, pid, api.CheckInput{Name: ptr("Report"), Slug: ptr("report"),
		DependsOn: ptr("db"), AlertAfter: ptr(3), RemindEvery: ptr[int64](3600)})
	require.NoError(t, err)
	_, err = c.Ping(ctx, api.Ping{PublicID: ch.PublicID, Kind: "fail"})
	require.NoError(t, err)
	_, err = c.PauseCheckWith(ctx, ch.ID, api.PauseInput{For: 7200, Reason: "migration"})
	require.NoError(t, err)

	b := browser(t)
	code, _, _ := get(t, b, signInLink(t, srv))
	require.Equal(t, http.StatusOK, code)
	code, body, _ := get(t, b, srv.URL+"/checks/"+ch.ID)
	require.Equal(t, http.StatusOK, code, body)
	for _, want := range []string{
		"Paused until", "(then it resumes by itself)",
		"<dt>Depends on</dt><dd><code>db</code>",
		"<dt>Alert after</dt><dd>3 failures in a row</dd>",
		"<dt>Reminders</dt><dd>every 1h0m0s",
		`<img src="` + srv.URL + `/badge/`,
		"alert held: 1 of 3 failures", "paused by admin@example.com until", ": migration",
	} {
		assert.Contains(t, body, want)
	}
}
