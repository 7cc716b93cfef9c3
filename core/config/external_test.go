package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const externalDoc = `# Migration mode
migration_mode = true

[targets.healthchecks]
endpoint = "https://hc-ping.com"

[targets.cronitor]
api_key = "abc123"

[targets.webhook]
url = "https://status.example.com/api/ping"
headers = { Authorization = "Bearer x" }

[checks."backup-db".targets.healthchecks]
uuid = "550e8400-e29b-41d4-a716-446655440000"

[checks."backup-db".targets.cronitor]
monitor_key = "backup-db-monitor"

[checks."550e8400-e29b-41d4-a716-446655440000"]
targets.healthchecks.uuid = "770e8400"
`

func writeExternal(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), ExternalFileName)
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	return path
}

func TestLoadExternal(t *testing.T) {
	path := writeExternal(t, externalDoc)
	e, err := LoadExternal(path, false)
	require.NoError(t, err)
	assert.True(t, e.Found)
	assert.True(t, e.MigrationMode)
	assert.True(t, e.MigrationModeSet)
	require.Len(t, e.Targets, 3)

	hc := e.Targets["healthchecks"]
	assert.Equal(t, "[targets.healthchecks]", hc.Header)
	assert.Equal(t, 4, hc.Line)
	assert.Equal(t, 5, hc.KeyLine("endpoint"))
	assert.Equal(t, 4, hc.KeyLine("nope"))
	assert.Equal(t, map[string]any{"endpoint": "https://hc-ping.com"}, hc.Values)
	assert.Equal(t, 12, e.Targets["webhook"].KeyLine("headers"))

	c := e.Checks["backup-db"]["healthchecks"]
	require.NotNil(t, c)
	assert.Equal(t, `[checks."backup-db".targets.healthchecks]`, c.Header)
	assert.Equal(t, 14, c.Line)
	assert.Equal(t, 15, c.KeyLine("uuid"))

	dotted := e.Checks["550e8400-e29b-41d4-a716-446655440000"]["healthchecks"]
	require.NotNil(t, dotted)
	assert.Equal(t, 21, dotted.KeyLine("uuid"))

	assert.Equal(t, []string{"cronitor", "healthchecks", "webhook"}, e.TargetsFor("backup-db"))

	err = c.Errorf("uuid", "must be a UUID")
	assert.Equal(t, path+`:15:1: [checks."backup-db".targets.healthchecks] uuid: must be a UUID`, err.Error())
}

func TestLoadExternalMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), ExternalFileName)
	e, err := LoadExternal(path, false)
	require.NoError(t, err, "no file means no targets, silently")
	assert.False(t, e.Found)
	assert.Empty(t, e.TargetsFor("x"))

	_, err = LoadExternal(path, true)
	require.Error(t, err, "a file named with --external-config must exist")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestLoadExternalErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int
		contains  string
	}{
		{"unknown top-level key", "migration_mode = true\n\nmigraton_mode = false\n", 3, `unknown key "migraton_mode"`},
		{"migration_mode type", "migration_mode = \"yes\"\n", 1, "migration_mode must be true or false, not a string"},
		{"target not a table", "[targets]\nwebhook = \"https://x\"\n", 2, "[targets.webhook]"},
		{"targets not a table", "targets = 3\n", 1, "targets must be a table of targets"},
		{"check not a table", "[checks]\nbackup = 1\n", 2, `checks."backup" must be a table`},
		{"unknown key in check", "[checks.\"backup\"]\nuuid = \"x\"\n", 2, `[checks."backup".targets.<name>]`},
		{"syntax error", "[targets.webhook]\nurl = \n", 2, ""},
		{"one check in two cases", "[checks.\"550e8400-e29b-41d4-a716-446655440000\".targets.webhook]\n" +
			"[checks.\"550E8400-E29B-41D4-A716-446655440000\".targets.webhook]\n", 1, "names the same check as another"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeExternal(t, tt.doc)
			_, err := LoadExternal(path, false)
			require.Error(t, err)
			var ce *Error
			require.True(t, errors.As(err, &ce), "%T %v", err, err)
			assert.Equal(t, path, ce.Path)
			assert.Equal(t, tt.line, ce.Line, err.Error())
			assert.Contains(t, ce.Msg, tt.contains)
		})
	}
}

func TestDefaultExternalPath(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"}
	p, err := DefaultExternalPath(func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("/xdg", "pakyas", ExternalFileName), p)
	delete(env, "XDG_CONFIG_HOME")
	p, err = DefaultExternalPath(func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("/home/u", ".config", "pakyas", ExternalFileName), p)
}

// pakyas passes a public ID in lower case whatever case the command was
// given it in; the file may spell it in either.
func TestExternalPublicIDAnyCase(t *testing.T) {
	path := writeExternal(t, "[targets.webhook]\nurl = \"https://x\"\n\n"+
		"[checks.\"550E8400-E29B-41D4-A716-44665544000A\".targets.healthchecks]\nuuid = \"u\"\n")
	e, err := LoadExternal(path, false)
	require.NoError(t, err)
	for _, key := range []string{"550e8400-e29b-41d4-a716-44665544000a", "550E8400-E29B-41D4-A716-44665544000A"} {
		assert.Equal(t, []string{"healthchecks", "webhook"}, e.TargetsFor(key), key)
		require.NotNil(t, e.CheckTables(key)["healthchecks"], key)
		assert.Equal(t, `[checks."550E8400-E29B-41D4-A716-44665544000A".targets.healthchecks]`, e.CheckTables(key)["healthchecks"].Header)
	}
	assert.Equal(t, "Backup-DB", CheckKey("Backup-DB"), "not a public ID: as it is")
	assert.Equal(t, "550e8400-e29b-41d4-a716-44665544000g", CheckKey("550e8400-e29b-41d4-a716-44665544000g"))
}
