package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
)

// healthchecksStandIn answers GET /api/v3/checks/ as healthchecks.io's
// Management API v3 documents it: the file fixture, read at each request,
// for the key "hc-key", 401 for another key; the first request can be
// made to answer 429 with Retry-After.
func healthchecksStandIn(t *testing.T, fixture string, throttleFirst bool) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count := n.Add(1)
		if r.Method != http.MethodGet || r.URL.Path != "/api/v3/checks/" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("X-Api-Key") != "hc-key" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error": "wrong api key"}`))
			return
		}
		if throttleFirst && count == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		b, err := os.ReadFile(fixture)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestImportHealthchecks: through the built binary, against a stand-in of
// healthchecks.io's API: a dry run changes nothing; the import creates
// each check with its schedule, keeping its UUID as the public ID (so a
// ping line only changes its base URL) and its paused state; a re-import
// updates instead of duplicating; a wrong key is exit 4 naming the
// service, an unreachable service exit 3.
func TestImportHealthchecks(t *testing.T) {
	u, srv := loggedIn(t)
	hc, requests := healthchecksStandIn(t, "testdata/healthchecks_checks.json", true)

	r := u.exec("import", "healthchecks", "--api-key", "hc-key", "--api-url", hc.URL, "--dry-run")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "Would import (dry run, nothing changed)")
	assert.Regexp(t, `create\s+filesystem-backup\s+Filesystem Backup\s+new\s+description not imported; tags not imported: backup fs`, r.stdout)
	assert.Contains(t, r.stdout, "2 to create, 0 to update, 0 skipped")
	assert.Equal(t, int64(2), requests.Load(), "the 429 was retried after its Retry-After")
	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	checks, err := c.Checks(context.Background(), testProject(t, me))
	require.NoError(t, err)
	assert.Empty(t, checks, "a dry run changes nothing")

	r = u.exec("import", "healthchecks", "--api-key", "hc-key", "--api-url", hc.URL)
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "2 to create, 0 to update, 0 skipped")
	fs, err := c.Check(context.Background(), "31365bce-8b5b-4a4c-9ea0-bd03cb2a9e5a")
	require.NoError(t, err)
	assert.Equal(t, "filesystem-backup", fs.Slug)
	assert.Equal(t, api.Schedule{Kind: "period", Period: 3600, Grace: 600}, fs.Schedule)
	db, err := c.Check(context.Background(), "803f680d-e89b-492b-82ef-2be7b774a92d")
	require.NoError(t, err)
	assert.Equal(t, api.Schedule{Kind: "cron", Cron: "15 5 * * *", TZ: "Europe/Riga", Grace: 1200}, db.Schedule)
	assert.Equal(t, "paused", db.Status)
	// The healthchecks.io ping line, with only its base URL changed.
	resp, err := http.Get(srv.URL + "/ping/31365bce-8b5b-4a4c-9ea0-bd03cb2a9e5a")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	r = u.exec("--format", "json", "import", "healthchecks", "--api-key", "hc-key", "--api-url", hc.URL)
	require.Equal(t, 0, r.code, "%s", r)
	var rep importReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.Len(t, rep.Steps, 2)
	for _, s := range rep.Steps {
		assert.Equal(t, "update", s.Action, "matched: %+v", s)
		assert.Equal(t, "same UUID", s.Why)
	}
	checks, err = c.Checks(context.Background(), testProject(t, me))
	require.NoError(t, err)
	assert.Len(t, checks, 2, "a re-import does not duplicate")

	r = u.exec("import", "healthchecks", "--api-key", "wrong", "--api-url", hc.URL)
	assert.Equal(t, exitAuth, r.code, "%s", r)
	assert.Contains(t, r.stderr, "Healthchecks refused the API key given with --api-key (401 Unauthorized)")

	r = u.exec("import", "healthchecks", "--api-key", "hc-key", "--api-url", "http://127.0.0.1:1")
	assert.Equal(t, exitMonitoring, r.code, "%s", r)
	assert.Contains(t, r.stderr, "cannot reach Healthchecks at http://127.0.0.1:1/api/v3/checks/")
}

// TestImportSharedSlugs: two Healthchecks checks with one slug both come
// over, the second as slug-2, said in its notes; re-runs match each by its
// UUID and change nothing, rather than flipping one check between them.
func TestImportSharedSlugs(t *testing.T) {
	u, srv := loggedIn(t)
	hc, _ := healthchecksStandIn(t, "testdata/healthchecks_shared_slug.json", false)
	c := srv.Client(srv.Key)
	const eu, us = "5b1b8c5e-3c9a-4a52-9a37-0a3c7f3b2a11", "9d2e4f61-7b8c-4d3e-8f1a-2b3c4d5e6f70"

	for run := 1; run <= 3; run++ {
		r := u.exec("import", "healthchecks", "--api-key", "hc-key", "--api-url", hc.URL)
		require.Equal(t, 0, r.code, "%s", r)
		if run == 1 {
			assert.Contains(t, r.stdout, "2 to create, 0 to update, 0 skipped")
			assert.Regexp(t, `create\s+backup-2\s+Backup \(us\)\s+new\s+slug backup-2: backup is another check's`, r.stdout)
		} else {
			assert.Contains(t, r.stdout, "0 to create, 2 to update, 0 skipped", "run %d", run)
		}
		for id, want := range map[string]api.Check{
			eu: {Slug: "backup", Schedule: api.Schedule{Kind: "period", Period: 3600, Grace: 600}},
			us: {Slug: "backup-2", Schedule: api.Schedule{Kind: "period", Period: 86400, Grace: 300}},
		} {
			ch, err := c.Check(context.Background(), id)
			require.NoError(t, err, "run %d", run)
			assert.Equal(t, want.Slug, ch.Slug, "run %d", run)
			assert.Equal(t, want.Schedule, ch.Schedule, "run %d", run)
		}
	}
}

// TestImportFollowsPausedAndSkipsOnCalendar: a re-run resumes a check
// Healthchecks no longer has paused (and pauses it again when it is); an
// OnCalendar check is skipped with the reason, and the import succeeds.
func TestImportFollowsPausedAndSkipsOnCalendar(t *testing.T) {
	u, srv := loggedIn(t)
	fixture := filepath.Join(t.TempDir(), "checks.json")
	hc, _ := healthchecksStandIn(t, fixture, false)
	c := srv.Client(srv.Key)
	const id = "5b1b8c5e-3c9a-4a52-9a37-0a3c7f3b2a11"
	serve := func(status string) {
		require.NoError(t, os.WriteFile(fixture, []byte(`{"checks": [
			{"name": "Backup", "slug": "backup", "grace": 600, "status": "`+status+`",
			 "ping_url": "https://hc-ping.com/`+id+`", "timeout": 3600},
			{"name": "Office hours", "slug": "office-hours", "grace": 600, "status": "up",
			 "ping_url": "https://hc-ping.com/9d2e4f61-7b8c-4d3e-8f1a-2b3c4d5e6f70",
			 "schedule": "Mon..Fri 09:00", "tz": "Europe/Riga"}]}`), 0o600))
	}

	for _, tc := range []struct{ hc, want string }{{"paused", "paused"}, {"up", "new"}, {"paused", "paused"}} {
		serve(tc.hc)
		r := u.exec("import", "healthchecks", "--api-key", "hc-key", "--api-url", hc.URL)
		require.Equal(t, 0, r.code, "%s", r)
		assert.Regexp(t, `skip\s+office-hours\s+Office hours\s+schedule "Mon..Fri 09:00" is a systemd OnCalendar expression`, r.stdout)
		assert.Regexp(t, `\d to create, \d to update, 1 skipped\.`, r.stdout)
		ch, err := c.Check(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, tc.want, ch.Status, "Healthchecks has it %s", tc.hc)
	}

	// A check the server refuses counts as failed, not as to create.
	require.NoError(t, os.WriteFile(fixture, []byte(`{"checks": [{"name": "Zone", "slug": "zone", "grace": 600,
		"status": "up", "schedule": "0 5 * * *", "tz": "Nowhere/Void"}]}`), 0o600))
	r := u.exec("import", "healthchecks", "--api-key", "hc-key", "--api-url", hc.URL)
	assert.Equal(t, 1, r.code, "%s", r)
	assert.Contains(t, r.stdout, "0 to create, 0 to update, 0 skipped, 1 failed.")
}

// cronitorStandIn answers GET /api/monitors?page=N as Cronitor's monitor
// API: two pages from testdata for the key "cr-key" as the basic-auth
// user, 403 for another.
func cronitorStandIn(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/api/monitors" {
			http.NotFound(w, r)
			return
		}
		if user, pass, ok := r.BasicAuth(); !ok || user != "cr-key" || pass != "" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"detail": "Invalid API key"}`))
			return
		}
		page := r.URL.Query().Get("page")
		if page != "1" && page != "2" {
			_, _ = w.Write([]byte(`{"page": 3, "page_size": 2, "total_monitor_count": 4, "monitors": []}`))
			return
		}
		b, err := os.ReadFile("testdata/cronitor_monitors_page" + page + ".json")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestImportCronitor: jobs and heartbeats of both pages come over with
// their schedules (cron and zone, "every 5 minutes" as a period), grace and
// paused state; the uptime check is skipped and listed with the reason; a
// key that is not a slug is made one and said so; a re-import updates; a
// wrong key is exit 4.
func TestImportCronitor(t *testing.T) {
	u, srv := loggedIn(t)
	cr := cronitorStandIn(t)

	r := u.exec("import", "cronitor", "--api-key", "cr-key", "--api-url", cr.URL)
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "3 to create, 0 to update, 1 skipped")
	assert.Regexp(t, `skip\s+-\s+homepage\s+a check monitor makes requests to a URL; Pakyas watches jobs that report in`, r.stdout)
	assert.Contains(t, r.stdout, "slug weekly_report (the key Weekly_Report is not a valid slug)")
	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	byslug := map[string]api.Check{}
	checks, err := c.Checks(context.Background(), testProject(t, me))
	require.NoError(t, err)
	for _, ch := range checks {
		byslug[ch.Slug] = ch
	}
	require.Len(t, byslug, 3)
	assert.Equal(t, api.Schedule{Kind: "cron", Cron: "0 3 * * *", TZ: "America/New_York", Grace: 300}, byslug["nightly-backup"].Schedule)
	assert.Equal(t, api.Schedule{Kind: "period", Period: 300, Grace: 60}, byslug["queue-worker"].Schedule)
	assert.Equal(t, "paused", byslug["queue-worker"].Status)
	assert.Equal(t, "Weekly Report", byslug["weekly_report"].Name)

	r = u.exec("import", "cronitor", "--api-key", "cr-key", "--api-url", cr.URL)
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "0 to create, 3 to update, 1 skipped")

	r = u.exec("import", "cronitor", "--api-key", "nope", "--api-url", cr.URL)
	assert.Equal(t, exitAuth, r.code, "%s", r)
	assert.Contains(t, r.stderr, "Cronitor refused the API key given with --api-key (403 Forbidden)")

	r = u.exec("import", "cronitor", "--api-key", "cr-key", "--api-url", "http://127.0.0.1:1")
	assert.Equal(t, exitMonitoring, r.code, "%s", r)
	assert.Contains(t, r.stderr, "cannot reach Cronitor at http://127.0.0.1:1/api/monitors?page=1")

	r = u.exec("import", "cronitor", "--api-key", "cr-key", "--api-url", cr.URL, "--dry-run")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "Would import (dry run, nothing changed)")
}

// TestProjectShowsItsSlugURLs: project show and check create give the
// project's slug URLs once it has a ping key, both forms.
func TestProjectShowsItsSlugURLs(t *testing.T) {
	u, srv := loggedIn(t)
	out := ok(t, u.run("project", "show"))
	assert.Contains(t, out, "Ping key:     none yet ('pakyas project ping-key' makes one, for slug URLs)")
	ok(t, u.run("project", "ping-key"))
	out = ok(t, u.run("project", "show"))
	assert.Regexp(t, `Ping a check by its slug: `+srv.URL+`/ping/[A-Za-z0-9_-]{22}/SLUG`, out)
	assert.Regexp(t, `Cronitor's form: `+srv.URL+`/p/[A-Za-z0-9_-]{22}/SLUG\?state=run\|complete\|fail`, out)
	out = ok(t, u.run("check", "create", "--name", "Nightly", "--slug", "nightly"))
	assert.Regexp(t, `Slug URL: `+srv.URL+`/ping/[A-Za-z0-9_-]{22}/nightly`, out)
}
