package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// inputs returns Inputs for flags and environment given as maps.
func inputs(flags, env map[string]string) Inputs {
	return Inputs{
		Flag:          func(n string) (string, bool) { v, ok := flags[n]; return v, ok },
		Getenv:        func(k string) string { return env[k] },
		DefaultAPIURL: "http://127.0.0.1:8484",
	}
}

func writeConfig(t *testing.T, home, doc string) string {
	t.Helper()
	p := filepath.Join(home, ".config", "pakyas", "config.toml")
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
	require.NoError(t, os.WriteFile(p, []byte(doc), 0o600))
	return p
}

func TestResolvePrecedence(t *testing.T) {
	home := t.TempDir()
	path := writeConfig(t, home, "api_url = \"http://file:1/\"\napi_key = \"pk_live_file\"\norg = \"Acme\"\nproject = \"Web\"\n")
	tests := []struct {
		name       string
		flags, env map[string]string
		want       Settings
	}{
		{"file only", nil, nil, Settings{
			APIURL:  Setting{"http://file:1", FromFile, path + ": api_url"},
			APIKey:  Setting{"pk_live_file", FromFile, path + ": api_key"},
			Org:     Setting{"Acme", FromFile, path + ": org"},
			Project: Setting{"Web", FromFile, path + ": project"},
		}},
		{"env beats file", nil, map[string]string{"PAKYAS_ORG": "Acme", "PAKYAS_PROJECT": "Ops", "PAKYAS_API_URL": "https://env/api/v1"}, Settings{
			APIURL:  Setting{"https://env", FromEnv, "PAKYAS_API_URL"},
			APIKey:  Setting{"pk_live_file", FromFile, path + ": api_key"},
			Org:     Setting{"Acme", FromEnv, "PAKYAS_ORG"}, // the same as the file's, and still given for this command
			Project: Setting{"Ops", FromEnv, "PAKYAS_PROJECT"},
		}},
		{"flag beats env", map[string]string{"org": "Acme", "api-key": " pk_live_flag \n"}, map[string]string{"PAKYAS_ORG": "Other", "PAKYAS_API_KEY": "pk_live_env"}, Settings{
			APIURL:  Setting{"http://file:1", FromFile, path + ": api_url"},
			APIKey:  Setting{"pk_live_flag", FromFlag, "--api-key"},
			Org:     Setting{"Acme", FromFlag, "--org"},
			Project: Setting{"Web", FromFile, path + ": project"},
		}},
		{"an empty flag or variable is unset", map[string]string{"org": ""}, map[string]string{"PAKYAS_PROJECT": ""}, Settings{
			APIURL:  Setting{"http://file:1", FromFile, path + ": api_url"},
			APIKey:  Setting{"pk_live_file", FromFile, path + ": api_key"},
			Org:     Setting{"Acme", FromFile, path + ": org"},
			Project: Setting{"Web", FromFile, path + ": project"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"HOME": home}
			for k, v := range tt.env {
				env[k] = v
			}
			s, err := Resolve(inputs(tt.flags, env))
			require.NoError(t, err)
			assert.Equal(t, tt.want.APIURL, s.APIURL)
			assert.Equal(t, tt.want.APIKey, s.APIKey)
			assert.Equal(t, tt.want.Org, s.Org)
			assert.Equal(t, tt.want.Project, s.Project)
			assert.Equal(t, path, s.Path)
			assert.NoError(t, s.FileErr)
		})
	}
}

func TestResolveDefaults(t *testing.T) {
	s, err := Resolve(inputs(nil, map[string]string{"HOME": t.TempDir()}))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8484", s.APIURL.Value)
	assert.Equal(t, FromDefault, s.APIURL.Source)
	assert.Equal(t, "table", s.Format.Value)
	assert.False(t, s.Project.Set())
	assert.Contains(t, s.Project.Where, "--project, PAKYAS_PROJECT or project in ")
	assert.Empty(t, s.KeyID())
}

func TestResolveBrokenFileIsRecordedNotFatal(t *testing.T) {
	home := t.TempDir()
	path := writeConfig(t, home, "api_url = \"http://file:1\"\nprojekt = \"typo\"\n")
	_, err := Resolve(inputs(nil, map[string]string{"HOME": home, "PAKYAS_API_KEY": "pk_live_env"}))
	require.Error(t, err, "without the file, pakyas cannot tell which server")
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.True(t, strings.HasPrefix(err.Error(), path+":2:1: unknown key \"projekt\""), err.Error())

	s, err := Resolve(inputs(nil, map[string]string{"HOME": home, "PAKYAS_API_URL": "http://env:1", "PAKYAS_API_KEY": "pk_live_env", "PAKYAS_PROJECT": "Web"}))
	require.NoError(t, err)
	require.ErrorAs(t, s.FileErr, &ce)
	assert.Equal(t, path, ce.Path)
	assert.Equal(t, 2, ce.Line)
	assert.Equal(t, "pk_live_env", s.APIKey.Value)
	assert.Equal(t, "Web", s.Project.Value)
	assert.Equal(t, "", s.Org.Value, "nothing of the broken file is used")
	err = s.Save(func(c *Config) { c.Project = "x" })
	require.Error(t, err)
	assert.Contains(t, core.ErrorHint(err), "fix that line of "+path)
	b, _ := os.ReadFile(path)
	assert.Contains(t, string(b), "projekt", "the file is left as it was")
}

func TestResolveInvalidValues(t *testing.T) {
	home := t.TempDir()
	writeConfig(t, home, "format = \"yaml\"\n")
	_, err := Resolve(inputs(nil, map[string]string{"HOME": home}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown output format "yaml" (from `)
	assert.Contains(t, err.Error(), "config.toml: format)")

	_, err = Resolve(inputs(map[string]string{"api-url": "localhost:8484"}, map[string]string{"HOME": home, "PAKYAS_FORMAT": "JSON"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `invalid server URL "localhost:8484"`)
	assert.Contains(t, err.Error(), "(from --api-url)")
}

func TestResolveConfigLocation(t *testing.T) {
	home, other := t.TempDir(), filepath.Join(t.TempDir(), "c.toml")
	require.NoError(t, os.WriteFile(other, []byte("project = \"P\"\n"), 0o600))
	s, err := Resolve(inputs(nil, map[string]string{"HOME": home, "PAKYAS_CONFIG": other}))
	require.NoError(t, err)
	assert.Equal(t, other, s.Path)
	assert.Equal(t, "P", s.Project.Value)

	s, err = Resolve(inputs(nil, map[string]string{"XDG_CONFIG_HOME": filepath.Join(home, "xdg")}))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(home, "xdg", "pakyas", "config.toml"), s.Path)
}

func TestSaveKeepsMode0600(t *testing.T) {
	home := t.TempDir()
	s, err := Resolve(inputs(nil, map[string]string{"HOME": home}))
	require.NoError(t, err)
	require.NoError(t, s.Save(func(c *Config) { c.APIKey = "pk_live_x" }))
	fi, err := os.Stat(s.Path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	again, err := Resolve(inputs(nil, map[string]string{"HOME": home}))
	require.NoError(t, err)
	assert.Equal(t, "pk_live_x", again.APIKey.Value)
	assert.Equal(t, KeyID("pk_live_x"), again.KeyID())
	assert.Len(t, again.KeyID(), 16)
	assert.NotEqual(t, KeyID("pk_live_y"), again.KeyID())
}

func TestNormalizeAPIURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:1":          "http://h:1",
		"http://h:1/":         "http://h:1",
		"https://h/api/v1":    "https://h",
		"https://h/x/api/v1/": "https://h/x",
		" https://h ":         "https://h",
	} {
		got, err := NormalizeAPIURL(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "h:1", "ftp://h", "http://"} {
		_, err := NormalizeAPIURL(in)
		assert.Error(t, err, in)
	}
}
