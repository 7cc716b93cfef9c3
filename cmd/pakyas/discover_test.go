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
