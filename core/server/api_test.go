package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/internal/testutil"
)

func decodeErr(t *testing.T, body []byte) api.Error {
	t.Helper()
	var e api.Error
	require.NoError(t, json.Unmarshal(body, &e), "error body must be JSON: %s", body)
	return e
}

// TestBadInput: every kind of bad request gets a clear 4xx JSON error with
// an error and a hint, and none of them breaks the server.
func TestBadInput(t *testing.T) {
	srv, c, p, ch := setup(t)
	ctx := context.Background()
	checks := "/api/v1/projects/" + p.ID + "/checks"
	revoked, err := c.CreateKey(ctx, "to revoke")
	require.NoError(t, err)
	require.NoError(t, c.RevokeKey(ctx, revoked.ID))

	big := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
	cases := []struct {
		name, method, path, key, body string
		status                        int
		msg                           string
	}{
		{"malformed JSON", "POST", checks, srv.Key, `{"name": "x",`, 400, "malformed JSON"},
		{"not an object", "POST", checks, srv.Key, `[1,2]`, 400, "must be"},
		{"unknown field", "POST", checks, srv.Key, `{"name":"x","colour":"red"}`, 400, `unknown field "colour"`},
		{"wrong type", "POST", checks, srv.Key, `{"name":"x","period":"hourly"}`, 400, "period"},
		{"body over the cap", "POST", checks, srv.Key, big, 413, "larger than"},
		{"slug with spaces", "POST", checks, srv.Key, `{"name":"x","slug":"daily backup"}`, 400, "invalid slug"},
		{"slug with dots", "POST", checks, srv.Key, `{"name":"x","slug":"my.job.name"}`, 400, "invalid slug"},
		{"slug with capitals", "POST", checks, srv.Key, `{"name":"x","slug":"Daily-Backup"}`, 400, "invalid slug"},
		{"the project badge's slug", "POST", checks, srv.Key, `{"name":"x","slug":"all"}`, 400, "reserved"},
		{"period under 30s", "POST", checks, srv.Key, `{"name":"x","slug":"a","period":10}`, 400, "period"},
		{"period over a year", "POST", checks, srv.Key, `{"name":"x","slug":"a","period":40000000}`, 400, "period"},
		{"bad cron", "POST", checks, srv.Key, `{"name":"x","slug":"a","cron":"61 * * * *"}`, 400, "cron"},
		{"bad time zone", "POST", checks, srv.Key, `{"name":"x","slug":"a","cron":"0 3 * * *","tz":"Mars/Olympus"}`, 400, "Mars/Olympus"},
		{"duplicate slug", "POST", checks, srv.Key, `{"name":"x","slug":"hourly-sync"}`, 409, "already exists"},
		{"missing key", "GET", "/api/v1/me", "", "", 401, "missing API key"},
		{"unknown key", "GET", "/api/v1/me", "pk_live_nope", "", 401, "invalid API key"},
		{"revoked key", "GET", "/api/v1/me", revoked.Key, "", 401, "revoked"},
		{"unknown route", "GET", "/api/v1/nothing", srv.Key, "", 404, "not found"},
		{"bad timeline cursor", "GET", "/api/v1/checks/" + ch.ID + "/timeline?before=x", srv.Key, "", 400, "cursor"},
		{"period that overflows", "POST", checks, srv.Key, `{"name":"x","slug":"a","period":18446744074000}`, 400, "period"},
		{"period that wraps into range", "POST", checks, srv.Key, `{"name":"x","slug":"a","period":18446744077673}`, 400, "period"},
		{"grace that wraps into range", "POST", checks, srv.Key, `{"name":"x","slug":"a","grace":18446744077673}`, 400, "grace"},
		{"max runtime that wraps into range", "POST", checks, srv.Key, `{"name":"x","slug":"a","max_runtime":18446744077673}`, 400, "max runtime"},
		{"tz without cron", "POST", checks, srv.Key, `{"name":"x","slug":"a","tz":"UTC"}`, 400, "time zone"},
		{"bad timeline limit", "GET", "/api/v1/checks/" + ch.ID + "/timeline?limit=0", srv.Key, "", 400, "limit"},
		{"bad timeline kind", "GET", "/api/v1/checks/" + ch.ID + "/timeline?kind=alerts", srv.Key, "", 400, "kind"},
		{"unknown check", "GET", "/api/v1/checks/" + uuid.NewString(), srv.Key, "", 404, "not found"},
		{"unknown project", "GET", "/api/v1/projects/" + uuid.NewString() + "/checks", srv.Key, "", 404, "not found"},
		{"unknown org", "GET", "/api/v1/orgs/" + uuid.NewString() + "/channels", srv.Key, "", 404, "not found"},
		{"unknown channel", "DELETE", "/api/v1/channels/" + uuid.NewString(), srv.Key, "", 404, "not found"},
		{"unknown key id", "DELETE", "/api/v1/keys/" + uuid.NewString(), srv.Key, "", 404, "not found"},
		{"bad channel kind", "POST", "/api/v1/orgs/" + p.OrgID + "/channels", srv.Key, `{"name":"n","kind":"pager","target":"x"}`, 400, "kind"},
		{"bad channel target", "POST", "/api/v1/orgs/" + p.OrgID + "/channels", srv.Key, `{"name":"n","kind":"webhook","target":"ftp://x"}`, 400, ""},
		{"empty body", "POST", checks, srv.Key, "", 400, "empty"},
		{"duplicate key", "POST", checks, srv.Key, `{"name":"x","slug":"a1","slug":"a2"}`, 400, `the key "slug" twice`},
		{"pause for that wraps to 0.3 seconds", "POST", "/api/v1/checks/" + ch.ID + "/pause", srv.Key, `{"for":18446744074}`, 400, "a pause lasts 1 second to a year"},
		{"pause for that wraps into the past", "POST", "/api/v1/checks/" + ch.ID + "/pause", srv.Key, `{"for":9223372037}`, 400, "a pause lasts 1 second to a year"},
		{"pause for 0 seconds", "POST", "/api/v1/checks/" + ch.ID + "/pause", srv.Key, `{"for":0}`, 400, "for 0: a pause lasts 1 second to a year"},
		{"pause for a year and a second", "POST", "/api/v1/checks/" + ch.ID + "/pause", srv.Key, `{"for":31622401}`, 400, "a pause lasts 1 second to a year"},
		{"project pause for that wraps", "POST", "/api/v1/projects/" + p.ID + "/pause", srv.Key, `{"for":18446744074}`, 400, "a pause lasts 1 second to a year"},
		{"NUL in a name", "POST", checks, srv.Key, `{"name":"a\u0000b","slug":"a3"}`, 400, "control character"},
		{"escape sequence in a name", "POST", checks, srv.Key, `{"name":"a\u001b[2Jb","slug":"a3"}`, 400, "control character"},
		{"invalid UTF-8", "POST", checks, srv.Key, "{\"name\":\"caf\xe9\",\"slug\":\"a4\"}", 400, "not valid UTF-8"},
		{"cron too long", "POST", checks, srv.Key, `{"name":"x","slug":"a5","cron":"` + strings.Repeat("1,", 5000) + `1 * * * *"}`, 400, "more than 100"},
		{"tz Local", "POST", checks, srv.Key, `{"name":"x","slug":"a6","cron":"0 3 * * *","tz":"Local"}`, 400, `tz "Local"`},
		{"tz empty", "POST", checks, srv.Key, `{"name":"x","slug":"a7","cron":"0 3 * * *","tz":""}`, 400, "tz is empty"},
		{"channel name with a newline", "POST", "/api/v1/orgs/" + p.OrgID + "/channels", srv.Key, `{"name":"a\nb","kind":"email","target":"a@example.com"}`, 400, "control character"},
		{"null body", "POST", checks, srv.Key, "null", 400, "name"},
		{"trailing data", "POST", checks, srv.Key, `{"name":"x","slug":"b"} {}`, 400, "after"},
		{"key name too long", "POST", "/api/v1/keys", srv.Key, `{"name":"` + strings.Repeat("k", 201) + `"}`, 400, "name"},
		{"empty org name", "POST", "/api/v1/orgs", srv.Key, `{"name":" "}`, 400, "name"},
		{"wrong content type", "POST", checks, srv.Key, `name=x`, 400, "JSON"},
		{"duplicate org name", "POST", "/api/v1/orgs", srv.Key, `{"name":"test org"}`, 409, "already"},
		{"duplicate project name", "POST", "/api/v1/orgs/" + p.OrgID + "/projects", srv.Key, `{"name":"TEST PROJECT"}`, 409, "already"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			status, b, hdr := srv.Do(t, tc.method, tc.path, tc.key, body)
			assert.Equal(t, tc.status, status, "body: %s", b)
			assert.Contains(t, hdr.Get("Content-Type"), "application/json")
			e := decodeErr(t, b)
			assert.Contains(t, e.Message, tc.msg)
			assert.NotEmpty(t, e.Hint, "every error says how to fix it")
		})
	}
	// Nothing was lost or broken: the check is still there and the server answers.
	got, err := c.Checks(ctx, p.ID)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, ch.PublicID, got[0].PublicID)
}

// TestOrgIsolation: a key of one organization gets 404 for another
// organization's checks, timelines, projects and channels.
func TestOrgIsolation(t *testing.T) {
	srv, c, p, ch := setup(t)
	ctx := context.Background()
	chn, err := c.CreateChannel(ctx, p.OrgID, api.ChannelInput{Name: "ops", Kind: "webhook", Target: "http://127.0.0.1:1/hook"})
	require.NoError(t, err)

	// A second, unrelated account on the same server.
	other := createOtherAccount(t, srv)
	oc := srv.Client(other)
	me, err := oc.Me(ctx)
	require.NoError(t, err)
	require.Len(t, me.Orgs, 1)
	assert.NotEqual(t, p.OrgID, me.Orgs[0].ID)

	for name, call := range map[string]func() error{
		"check by id":        func() error { _, err := oc.Check(ctx, ch.ID); return err },
		"check by public id": func() error { _, err := oc.Check(ctx, ch.PublicID); return err },
		"check by slug":      func() error { _, err := oc.CheckBySlug(ctx, p.ID, "hourly-sync"); return err },
		"list checks":        func() error { _, err := oc.Checks(ctx, p.ID); return err },
		"create check":       func() error { _, err := oc.CreateCheck(ctx, p.ID, api.CheckInput{Slug: ptr("x")}); return err },
		"update check":       func() error { _, err := oc.UpdateCheck(ctx, ch.ID, api.CheckInput{Name: ptr("x")}); return err },
		"pause check":        func() error { _, err := oc.PauseCheck(ctx, ch.ID); return err },
		"delete check":       func() error { return oc.DeleteCheck(ctx, ch.ID) },
		"timeline":           func() error { _, err := oc.Timeline(ctx, ch.ID, "", 10); return err },
		"projects":           func() error { _, err := oc.Projects(ctx, p.OrgID); return err },
		"create project":     func() error { _, err := oc.CreateProject(ctx, p.OrgID, "x", ""); return err },
		"channels":           func() error { _, err := oc.Channels(ctx, p.OrgID); return err },
		"delete channel":     func() error { return oc.DeleteChannel(ctx, chn.ID) },
		"test channel":       func() error { _, err := oc.TestChannel(ctx, chn.ID); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			require.Error(t, err)
			assert.True(t, api.IsStatus(err, http.StatusNotFound), "got %v", err)
		})
	}
	// Keys are per user: the other account cannot see or revoke ours.
	keys, err := oc.Keys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, me.Key.ID, keys[0].ID)
	mine, err := c.Keys(ctx)
	require.NoError(t, err)
	assert.True(t, api.IsStatus(oc.RevokeKey(ctx, mine[0].ID), http.StatusNotFound))
	// And everything of the first account is intact.
	_, err = c.Check(ctx, ch.ID)
	require.NoError(t, err)
	chs, err := c.Channels(ctx, p.OrgID)
	require.NoError(t, err)
	assert.Len(t, chs, 1)
}

// TestKeys: keys are shown once, listed without their secret, stored only
// as a hash, and revocable.
func TestKeys(t *testing.T) {
	srv, c, _, _ := setup(t)
	ctx := context.Background()
	k, err := c.CreateKey(ctx, "ci")
	require.NoError(t, err)
	assert.Regexp(t, `^pk_live_[A-Za-z0-9]{32}$`, k.Key)
	list, err := c.Keys(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	for _, l := range list {
		assert.Empty(t, l.Key, "a key's secret is never shown again")
	}
	stored, err := srv.Store.APIKeyByHash(ctx, testHash(k.Key))
	require.NoError(t, err)
	assert.NotContains(t, stored.Hash, k.Key[len("pk_live_"):])
	_, err = srv.Client(k.Key).Me(ctx)
	require.NoError(t, err)
	require.NoError(t, c.RevokeKey(ctx, k.ID))
	_, err = srv.Client(k.Key).Me(ctx)
	assert.True(t, api.IsStatus(err, http.StatusUnauthorized))
}

// TestOrgsAndProjects: creating and listing organizations and projects.
func TestOrgsAndProjects(t *testing.T) {
	_, c, p, _ := setup(t)
	ctx := context.Background()
	o, err := c.CreateOrg(ctx, "Company B", "")
	require.NoError(t, err)
	_, err = c.CreateProject(ctx, o.ID, "Staging", "")
	require.NoError(t, err)
	_, err = c.CreateProject(ctx, o.ID, "staging", "")
	assert.True(t, api.IsStatus(err, http.StatusConflict), "project names are unique per organization, ignoring case")
	me, err := c.Me(ctx)
	require.NoError(t, err)
	require.Len(t, me.Orgs, 2)
	names := map[string][]string{}
	for _, org := range me.Orgs {
		for _, pr := range org.Projects {
			names[org.Name] = append(names[org.Name], pr.Name)
		}
	}
	assert.Equal(t, map[string][]string{"Test Org": {"Test Project"}, "Company B": {"Staging"}}, names)
	ps, err := c.Projects(ctx, p.OrgID)
	require.NoError(t, err)
	assert.Len(t, ps, 1)
}

// TestCheckLifecycle: update, pause (pings recorded, status stays
// paused), resume, cron schedules, delete.
func TestCheckLifecycle(t *testing.T) {
	srv, c, p, ch := setup(t)
	ctx := context.Background()
	up, err := c.UpdateCheck(ctx, ch.ID, api.CheckInput{Name: ptr("Renamed"), Grace: ptr[int64](600), MaxRuntime: ptr[int64](1800)})
	require.NoError(t, err)
	assert.Equal(t, "Renamed", up.Name)
	assert.Equal(t, int64(600), up.Schedule.Grace)
	assert.Equal(t, int64(1800), up.MaxRuntime)
	assert.Equal(t, int64(3600), up.Schedule.Period, "fields not sent do not change")

	paused, err := c.PauseCheck(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, "paused", paused.Status)
	code, _ := ping(t, srv, "GET", "/ping/"+ch.PublicID, "")
	require.Equal(t, 200, code)
	got := status(t, c, ch.ID)
	assert.Equal(t, "paused", got.Status, "a pinged paused check stays paused")
	require.Len(t, got.Signals, 1, "but the signal is recorded")
	resumed, err := c.ResumeCheck(ctx, ch.ID)
	require.NoError(t, err)
	assert.Equal(t, "up", resumed.Status)

	cron, err := c.CreateCheck(ctx, p.ID, api.CheckInput{Name: ptr("Nightly"), Cron: ptr("0 3 * * *"), TZ: ptr("Europe/Berlin"), Grace: ptr[int64](3600)})
	require.NoError(t, err)
	assert.Equal(t, "nightly", cron.Slug, "the slug defaults to the slugified name")
	assert.Equal(t, api.Schedule{Kind: "cron", Cron: "0 3 * * *", TZ: "Europe/Berlin", Grace: 3600}, cron.Schedule)
	bySlug, err := c.CheckBySlug(ctx, p.ID, "nightly")
	require.NoError(t, err)
	assert.Equal(t, cron.ID, bySlug.ID)

	require.NoError(t, c.DeleteCheck(ctx, ch.ID))
	_, err = c.Check(ctx, ch.ID)
	assert.True(t, api.IsStatus(err, http.StatusNotFound))
	code, _ = ping(t, srv, "GET", "/ping/"+ch.PublicID, "")
	assert.Equal(t, 404, code)
}

func createOtherAccount(t *testing.T, srv *testutil.Server) string {
	t.Helper()
	return testutil.CreateAccount(t, srv.Store, srv.Clock.Now(), "other@example.com", "Other Org", "Other Project")
}

func testHash(key string) string { return server.HashAPIKey(key) }

// TestPauseForAYear: the longest pause, a year (366 days) in seconds,
// ends a year from now; one second more is refused (TestBadInput), as
// are the values that wrapped a time.Duration into range.
func TestPauseForAYear(t *testing.T) {
	srv, c, _, ch := setup(t)
	got, err := c.PauseCheckWith(context.Background(), ch.ID, api.PauseInput{For: 366 * 24 * 3600})
	require.NoError(t, err)
	require.NotNil(t, got.PausedUntil)
	assert.Equal(t, srv.Clock.Now().Add(366*24*time.Hour), got.PausedUntil.UTC())
}
