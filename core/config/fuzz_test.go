package config

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileLines is how many lines an error may point at in b.
func fileLines(b []byte) int { return bytes.Count(b, []byte("\n")) + 1 }

// checkError asserts that err is an *Error naming path and, when it has a
// line, one that is in the file.
func checkError(t *testing.T, err error, path string, b []byte) {
	t.Helper()
	var ce *Error
	require.True(t, errors.As(err, &ce), "%T %v is not a *config.Error", err, err)
	assert.Equal(t, path, ce.Path)
	assert.GreaterOrEqual(t, ce.Line, 0)
	assert.LessOrEqual(t, ce.Line, fileLines(b), "line %d of a %d-line file: %v", ce.Line, fileLines(b), err)
	assert.NotEmpty(t, ce.Msg)
}

// FuzzConfig: any config.toml either loads or is refused with an *Error
// naming the file and a line in it; what loads is saved and read back
// unchanged.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("api_url = \"http://127.0.0.1:8484\"\napi_key = \"pk_live_x\"\norg = \"Acme\"\nproject = \"ops\"\nformat = \"json\"\n"))
	f.Add([]byte("api_url = 1\n"))
	f.Add([]byte("[server]\nurl = \"x\"\n"))
	f.Add([]byte("org = \"a\"\norg = \"b\"\n"))
	f.Add([]byte("format = \"table\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		const path = "config.toml"
		c, err := Parse(path, b)
		if err != nil {
			checkError(t, err, path, b)
			return
		}
		saved, err := c.Encode()
		require.NoError(t, err)
		back, err := Parse(path, saved)
		require.NoError(t, err, "a saved config loads:\n%s", saved)
		assert.Equal(t, c, back)
	})
}

// FuzzExternal: any external_monitors.toml either loads or is refused
// with an *Error naming the file and a line in it; what loads has every
// table in the file, with a header, and a line in the file.
func FuzzExternal(f *testing.F) {
	f.Add([]byte(externalDoc))
	f.Add([]byte("migration_mode = \"yes\"\n"))
	f.Add([]byte("[targets]\nhealthchecks = 1\n"))
	f.Add([]byte("[checks.\"a\".targets.webhook]\nurl = \"http://x\"\n[checks.a]\nb = 1\n"))
	f.Add([]byte("[targets.x]\n[targets.x]\n"))
	f.Add([]byte("targets.hc.endpoint = \"e\"\nchecks.\"k\".targets.hc.uuid = \"u\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		const path = "external_monitors.toml"
		e, err := ParseExternal(path, b)
		if err != nil {
			checkError(t, err, path, b)
			return
		}
		require.True(t, e.Found)
		tables := []*Table{}
		for _, tb := range e.Targets {
			tables = append(tables, tb)
		}
		for _, byName := range e.Checks {
			for _, tb := range byName {
				tables = append(tables, tb)
			}
		}
		for _, tb := range tables {
			assert.Equal(t, path, tb.Path)
			assert.NotEmpty(t, tb.Header)
			assert.LessOrEqual(t, tb.Line, fileLines(b), tb.Header)
			checkError(t, tb.Errorf("x", "bad"), path, b)
		}
	})
}
