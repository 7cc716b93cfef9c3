package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadMissingFileIsEmpty(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "nope", FileName))
	require.NoError(t, err)
	assert.Equal(t, Config{}, *c)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pakyas", FileName)
	want := Config{APIURL: "http://127.0.0.1:8484", APIKey: "pk_live_abc", Org: "My Company", Project: "Production", Format: "json"}
	require.NoError(t, want.Save(path))
	got, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, want, *got)
}

func TestSavePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions on Windows")
	}
	dir := filepath.Join(t.TempDir(), "pakyas")
	path := filepath.Join(dir, FileName)
	c := Config{APIKey: "pk_live_secret"}
	require.NoError(t, c.Save(path))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	// A file that was world-readable becomes 0600 when rewritten.
	require.NoError(t, os.Chmod(path, 0o644))
	require.NoError(t, c.Save(path))
	fi, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// No temporary files are left behind.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
}

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int
		contains  string
	}{
		{"unknown key", "api_url = \"http://x\"\n\napi_kye = \"pk\"\n", 3, `unknown key "api_kye"`},
		{"wrong type", "api_url = \"http://x\"\norg = 5\n", 2, "org"},
		{"syntax", "api_url = \"http://x\"\nproject = \n", 2, ""},
		{"unknown table", "[server]\nurl = \"x\"\n", 1, `unknown key "server"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			require.NoError(t, os.WriteFile(path, []byte(tt.doc), 0o600))
			_, err := Load(path)
			require.Error(t, err)
			var ce *Error
			require.True(t, errors.As(err, &ce), "%T %v", err, err)
			assert.Equal(t, path, ce.Path)
			assert.Equal(t, tt.line, ce.Line)
			assert.Contains(t, err.Error(), path+":")
			assert.Contains(t, ce.Msg, tt.contains)
		})
	}
}

func TestDirs(t *testing.T) {
	tests := []struct {
		name              string
		env               map[string]string
		wantConf, wantSta string
	}{
		{"xdg set", map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/xc", "XDG_STATE_HOME": "/xs"}, "/xc/pakyas", "/xs/pakyas"},
		{"xdg empty", map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "", "XDG_STATE_HOME": ""}, "/home/u/.config/pakyas", "/home/u/.local/state/pakyas"},
		{"xdg unset", map[string]string{"HOME": "/home/u"}, "/home/u/.config/pakyas", "/home/u/.local/state/pakyas"},
		{"xdg relative is ignored", map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "rel"}, "/home/u/.config/pakyas", "/home/u/.local/state/pakyas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS == "windows" {
				t.Skip("Unix paths")
			}
			getenv := func(k string) string { return tt.env[k] }
			c, err := ConfigDirFrom(getenv)
			require.NoError(t, err)
			assert.Equal(t, tt.wantConf, c)
			s, err := StateDirFrom(getenv)
			require.NoError(t, err)
			assert.Equal(t, tt.wantSta, s)
			p, err := DefaultPath(getenv)
			require.NoError(t, err)
			assert.Equal(t, filepath.Join(tt.wantConf, FileName), p)
		})
	}
}
