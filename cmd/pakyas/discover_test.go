package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
)

// TestDiscover: through the built binary on a crontab file with comments,
// environment lines, @reboot/@daily, */15, ranges, % input and a wrapped
// line: the dry run changes nothing; with --yes each job gets a check
// (cron schedule and CRON_TZ) and is rewritten to run under pakyas
// monitor, a backup is kept, and a second run changes nothing.
func TestDiscover(t *testing.T) {
	u, srv := loggedIn(t)
	orig, err := os.ReadFile(filepath.Join("..", "..", "core", "crontab", "testdata", "user.crontab"))
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "jobs.crontab")
	require.NoError(t, os.WriteFile(file, orig, 0o640))

	r := u.exec("discover", "--crontab", file, "--dry-run")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Regexp(t, `6\s+\*/15 \* \* \* \* Europe/Paris\s+sync-files\s+create`, r.stdout)
	assert.Regexp(t, `9\s+@reboot Europe/Paris\s+-\s+skip\s+/opt/scripts/warmup.sh\s+@reboot runs once at boot`, r.stdout)
	assert.Regexp(t, `11\s+0 \* \* \* \* Europe/Paris\s+-\s+keep`, r.stdout)
	assert.Contains(t, r.stdout, pakyasBin+" monitor sync-files -- /opt/scripts/sync-files.sh")
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(orig), string(got), "a dry run changes nothing")

	r = u.exec("discover", "--crontab", file)
	assert.Equal(t, exitUsage, r.code, "not a terminal and no --yes: nothing written\n%s", r)

	r = u.exec("discover", "--crontab", file, "--yes")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "5 jobs now run under pakyas monitor")
	rewritten, err := os.ReadFile(file)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join("..", "..", "core", "crontab", "testdata", "user.crontab.want"))
	require.NoError(t, err)
	assert.Equal(t, string(want), strings.ReplaceAll(string(rewritten), pakyasBin, "/usr/local/bin/pakyas"),
		"comments, environment lines, @reboot, the wrapped line and the %-input kept; each job wrapped")
	assert.Equal(t, 5, strings.Count(string(rewritten), pakyasBin+" monitor "))
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), "the file keeps its mode")
	backups, err := filepath.Glob(filepath.Join(u.home, ".local", "state", "pakyas", "crontab-backups", "jobs.crontab.*"))
	require.NoError(t, err)
	require.Len(t, backups, 1)
	b, err := os.ReadFile(backups[0])
	require.NoError(t, err)
	assert.Equal(t, string(orig), string(b))

	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	ch, err := c.CheckBySlug(context.Background(), testProject(t, me), "sync-files")
	require.NoError(t, err)
	assert.Equal(t, api.Schedule{Kind: "cron", Cron: "*/15 * * * *", TZ: "Europe/Paris", Grace: ch.Schedule.Grace}, ch.Schedule)
	rep, err := c.CheckBySlug(context.Background(), testProject(t, me), "report")
	require.NoError(t, err)
	assert.Equal(t, "0 2 * * 1-5", rep.Schedule.Cron)

	r = u.exec("discover", "--crontab", file, "--yes")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "Nothing to do")
	again, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(rewritten), string(again), "a second run changes nothing")
}

// TestDiscoverAgain: a job added after a first discover never gets the
// check of a job wrapped before (one check per job), and a second backup
// within the same second does not replace the first.
func TestDiscoverAgain(t *testing.T) {
	u, srv := loggedIn(t)
	file := filepath.Join(t.TempDir(), "jobs.crontab")
	require.NoError(t, os.WriteFile(file, []byte("0 1 * * * /opt/backup.sh db\n"), 0o600))
	ok(t, u.exec("discover", "--crontab", file, "--yes"))
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("30 1 * * * /opt/backup.sh files\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	r := u.exec("discover", "--crontab", file, "--yes")
	require.Equal(t, 0, r.code, "%s", r)
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "0 1 * * * "+pakyasBin+" monitor backup -- /opt/backup.sh db\n30 1 * * * "+pakyasBin+" monitor backup-2 -- /opt/backup.sh files\n", string(got))

	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	first, err := c.CheckBySlug(context.Background(), testProject(t, me), "backup")
	require.NoError(t, err)
	assert.Equal(t, "0 1 * * *", first.Schedule.Cron, "the first job's check keeps its schedule")

	backups, err := filepath.Glob(filepath.Join(u.home, ".local", "state", "pakyas", "crontab-backups", "jobs.crontab.*"))
	require.NoError(t, err)
	assert.Len(t, backups, 2, "each run's original kept")
}

// TestDiscoverOtherUsers: a system crontab's job that runs as another user
// (who has no pakyas login) names the server and its check's public ID,
// which need no API key; the current user's own jobs keep the slug form.
func TestDiscoverOtherUsers(t *testing.T) {
	u, srv := loggedIn(t)
	me := currentUser()
	require.NotEmpty(t, me)
	file := filepath.Join(t.TempDir(), "backups")
	require.NoError(t, os.WriteFile(file, []byte("0 3 * * * www-data /opt/export.sh\n0 4 * * * "+me+" /opt/mine.sh\n"), 0o600))
	r := u.exec("discover", "--crontab", file, "--system", "--dry-run")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.stdout, "--public-id PUBLIC_ID_OF_export", "a dry run shows where the public ID goes")
	r = u.exec("discover", "--crontab", file, "--system", "--yes")
	require.Equal(t, 0, r.code, "%s", r)

	c := srv.Client(srv.Key)
	meAPI, err := c.Me(context.Background())
	require.NoError(t, err)
	ch, err := c.CheckBySlug(context.Background(), testProject(t, meAPI), "export")
	require.NoError(t, err)
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "0 3 * * * www-data PAKYAS_API_URL="+srv.URL+" "+pakyasBin+" monitor --public-id "+ch.PublicID+" -- /opt/export.sh\n"+
		"0 4 * * * "+me+" "+pakyasBin+" monitor mine -- /opt/mine.sh\n", string(got))
	r = u.exec("discover", "--crontab", file, "--system", "--yes")
	assert.Contains(t, r.stdout, "Nothing to do", "%s", r)

	// A new job named like the one wrapped by public ID gets a check of
	// its own, not that one.
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("0 5 * * * " + me + " /srv/export.sh\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	r = u.exec("discover", "--crontab", file, "--system", "--yes")
	require.Equal(t, 0, r.code, "%s", r)
	got, err = os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(got), pakyasBin+" monitor export-2 -- /srv/export.sh")
	again, err := c.CheckBySlug(context.Background(), testProject(t, meAPI), "export")
	require.NoError(t, err)
	assert.Equal(t, ch.Schedule, again.Schedule, "the other user's check keeps its schedule")
}
