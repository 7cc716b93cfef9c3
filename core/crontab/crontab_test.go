package crontab

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rewrite wraps every job that can be monitored, as pakyas discover does.
func rewrite(text string, userColumn bool) string {
	var out []string
	for _, l := range Parse(text, userColumn) {
		if l.Job == nil || l.Job.Wrapped || l.Job.Skip != "" {
			out = append(out, l.Text)
			continue
		}
		out = append(out, Wrap(l.Text, l.Job, "/usr/local/bin/pakyas", Slug(l.Job.Command)))
	}
	return strings.Join(out, "\n") + "\n"
}

func TestRewriteFiles(t *testing.T) {
	for _, tc := range []struct {
		file       string
		userColumn bool
	}{{"user.crontab", false}, {"system.crontab", true}, {"shells.crontab", false}} {
		t.Run(tc.file, func(t *testing.T) {
			in, err := os.ReadFile("testdata/" + tc.file)
			require.NoError(t, err)
			want, err := os.ReadFile("testdata/" + tc.file + ".want")
			require.NoError(t, err)
			got := rewrite(string(in), tc.userColumn)
			assert.Equal(t, string(want), got)
			assert.Equal(t, got, rewrite(got, tc.userColumn), "a second run changes nothing")
		})
	}
}

func TestParse(t *testing.T) {
	in, err := os.ReadFile("testdata/user.crontab")
	require.NoError(t, err)
	var jobs []*Job
	for _, l := range Parse(string(in), false) {
		if l.Job != nil {
			jobs = append(jobs, l.Job)
		}
	}
	require.Len(t, jobs, 7)
	assert.Equal(t, "*/15 * * * *", jobs[0].Schedule)
	assert.Equal(t, "Europe/Paris", jobs[0].TZ, "CRON_TZ applies to the lines after it")
	assert.Equal(t, "0 2 * * 1-5", jobs[1].Schedule)
	assert.Equal(t, "@daily", jobs[2].Schedule)
	assert.Contains(t, jobs[3].Skip, "@reboot")
	assert.Equal(t, `mysql -e "OPTIMIZE TABLE t" db`, jobs[4].Command)
	assert.Equal(t, `% please\% quote`, jobs[4].Input, "what follows the first % is the job's input")
	assert.True(t, jobs[5].Wrapped)
}

func TestSlug(t *testing.T) {
	for cmd, want := range map[string]string{
		"/opt/scripts/backup.sh":                    "backup",
		"cd /srv/app && ./bin/report --daily":       "report",
		"sudo -u www nice -n 10 /usr/bin/php x.php": "x",
		"python3 /srv/etl/load_orders.py":           "load_orders",
		"FOO=1 /opt/sync":                           "sync",
		"true":                                      "cron-job",
	} {
		assert.Equal(t, want, Slug(cmd), cmd)
	}
}

func TestLocalZone(t *testing.T) {
	none := func(string) (string, error) { return "", os.ErrNotExist }
	noFile := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	env := func(tz string) func(string) string { return func(string) string { return tz } }
	assert.Equal(t, "Asia/Tokyo", LocalZone(env(":Asia/Tokyo"), none, noFile))
	assert.Equal(t, "Europe/Riga", LocalZone(env(""), func(string) (string, error) { return "/usr/share/zoneinfo/Europe/Riga", nil }, noFile))
	assert.Equal(t, "America/Lima", LocalZone(env(""), none, func(string) ([]byte, error) { return []byte("America/Lima\n"), nil }))
	assert.Equal(t, "", LocalZone(env(""), none, noFile))
}

// TestWrapped: a command that runs pakyas is kept, however the line
// spells it, and the slug of `pakyas monitor SLUG` is known (discover
// gives no other job that slug).
func TestWrapped(t *testing.T) {
	for _, tt := range []struct {
		cmd     string
		wrapped bool
		slug    string
	}{
		{"pakyas monitor backup -- /opt/backup.sh", true, "backup"},
		{"/usr/local/bin/pakyas monitor -q backup -- x", true, "backup"},
		{"pakyas monitor --capture both backup -- x", true, "backup"},
		{"pakyas --org Dev --project Web monitor backup -- x", true, "backup"},
		{"PAKYAS_API_KEY=pk_live_x pakyas monitor hourly-sync -- x", true, "hourly-sync"},
		{"env -i PATH=/bin pakyas-dev monitor nightly -- x", true, "nightly"},
		{"'/opt/my tools/pakyas' monitor nightly -- x", true, "nightly"},
		{"pakyas monitor --public-id 550e8400-e29b-41d4-a716-446655440000 -- x", true, ""},
		{"pakyas spool flush", true, ""},
		{"pakyas ping nightly && echo ok", true, ""},
		{"/opt/backup.sh monitor", false, ""},
		{"/usr/local/bin/pakyas-report.sh --daily", false, ""},
		{"pakyasctl monitor x -- y", false, ""},
		{"LANG=C /bin/echo pakyas monitor x", false, ""},
		{"echo x; pakyas monitor y -- z", false, ""},
	} {
		w, slug := wrapped(tt.cmd)
		assert.Equal(t, tt.wrapped, w, tt.cmd)
		assert.Equal(t, tt.slug, slug, tt.cmd)
	}
}

// TestWrappedID: a line under `pakyas monitor --public-id ID` names its
// check by ID, in either spelling of the flag.
func TestWrappedID(t *testing.T) {
	for line, want := range map[string]string{
		"0 3 * * * PAKYAS_API_URL=http://x /usr/bin/pakyas monitor --public-id 5f0c -- /opt/a.sh": "5f0c",
		"0 3 * * * pakyas monitor --public-id=5f0c -- /opt/a.sh":                                  "5f0c",
		"0 3 * * * pakyas monitor a -- /opt/a.sh --public-id x":                                   "",
		"0 3 * * * /opt/a.sh --public-id x":                                                       "",
	} {
		j := Parse(line, false)[0].Job
		require.NotNil(t, j, line)
		assert.Equal(t, want, j.WrappedID, line)
	}
}
