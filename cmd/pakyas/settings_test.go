package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/pakyas/pakyas/internal/testutil"
)

// whoamiOrg runs whoami as JSON and returns the organization's name.
func whoamiOrg(t *testing.T, u *user, args ...string) string {
	t.Helper()
	var w resolve.Context
	out := ok(t, u.run(append([]string{"whoami", "--format", "json"}, args...)...))
	require.NoError(t, json.Unmarshal([]byte(out), &w), out)
	if w.Organization == nil {
		return ""
	}
	return w.Organization.Name
}

func TestSettingsPrecedence(t *testing.T) {
	srv := testutilServerWithOrgs(t, "Company A", "Company B")
	down := closedURL
	tests := []struct {
		name              string
		file              config.Config
		env               []string
		args              []string
		wantOrg           string
		wantCode          int
		wantStderrContain string
	}{
		{"file", config.Config{Org: "Test Org"}, nil, nil, "Test Org", 0, ""},
		{"env over file", config.Config{Org: "Test Org"}, []string{"PAKYAS_ORG", "Company A"}, nil, "Company A", 0, ""},
		{"flag over env", config.Config{Org: "Test Org"}, []string{"PAKYAS_ORG", "Company A"}, []string{"--org", "Company B"}, "Company B", 0, ""},
		{"flag after the command", config.Config{Org: "Test Org"}, nil, []string{"--org=company b"}, "Company B", 0, ""},
		{"empty env is unset", config.Config{Org: "Test Org"}, []string{"PAKYAS_ORG", ""}, nil, "Test Org", 0, ""},
		{"empty flag is unset", config.Config{Org: "Test Org"}, []string{"PAKYAS_ORG", "Company A"}, []string{"--org", ""}, "Company A", 0, ""},
		{"key: env over file", config.Config{Org: "Test Org", APIKey: "pk_live_wrong"}, []string{"PAKYAS_API_KEY", srv.Key}, nil, "Test Org", 0, ""},
		{"key: empty env is unset", config.Config{Org: "Test Org"}, []string{"PAKYAS_API_KEY", ""}, nil, "Test Org", 0, ""},
		{"key: env over file, refused", config.Config{}, []string{"PAKYAS_API_KEY", "pk_live_wrong"}, nil, "", exitAuth, "refused the API key"},
		{"key: flag over env", config.Config{Org: "Test Org"}, []string{"PAKYAS_API_KEY", "pk_live_wrong"}, []string{"--api-key", srv.Key}, "Test Org", 0, ""},
		{"url: env over file", config.Config{}, []string{"PAKYAS_API_URL", down}, nil, "", exitMonitoring, down},
		{"url: flag over env", config.Config{Org: "Test Org"}, []string{"PAKYAS_API_URL", down}, []string{"--api-url", srv.URL}, "Test Org", 0, ""},
		{"url: empty env is unset", config.Config{Org: "Test Org"}, []string{"PAKYAS_API_URL", ""}, nil, "Test Org", 0, ""},
		{"url: /api/v1 suffix is dropped", config.Config{Org: "Test Org"}, nil, []string{"--api-url", srv.URL + "/api/v1/"}, "Test Org", 0, ""},
		{"bad url", config.Config{}, nil, []string{"--api-url", "localhost:8484"}, "", exitUsage, "--api-url"},
		{"bad format", config.Config{}, []string{"PAKYAS_FORMAT", "yaml"}, nil, "", exitUsage, "--format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUser(t).with(tt.env...)
			f := tt.file
			if f.APIURL == "" {
				f.APIURL = srv.URL
			}
			if f.APIKey == "" {
				f.APIKey = srv.Key
			}
			require.NoError(t, f.Save(u.configFile()))
			if tt.wantCode != 0 {
				r := u.run(append([]string{"whoami"}, tt.args...)...)
				assert.Equal(t, tt.wantCode, r.code, "%s", r)
				assert.Contains(t, r.stderr, tt.wantStderrContain)
				return
			}
			assert.Equal(t, tt.wantOrg, whoamiOrg(t, u, tt.args...))
		})
	}
}

func TestFormatPrecedence(t *testing.T) {
	u, _ := loggedIn(t)
	isJSON := func(r result) bool {
		require.Equal(t, 0, r.code, "%s", r)
		return json.Valid([]byte(r.stdout))
	}
	assert.False(t, isJSON(u.run("whoami")))
	assert.True(t, isJSON(u.with("PAKYAS_FORMAT", "json").run("whoami")))
	assert.False(t, isJSON(u.with("PAKYAS_FORMAT", "json").run("whoami", "--format", "table")))

	f, err := config.Load(u.configFile())
	require.NoError(t, err)
	f.Format = "json"
	require.NoError(t, f.Save(u.configFile()))
	assert.True(t, isJSON(u.run("whoami")))
	assert.False(t, isJSON(u.with("PAKYAS_FORMAT", "table").run("whoami")))
	assert.True(t, isJSON(u.with("PAKYAS_FORMAT", "").run("whoami")))
}

func TestConfigLocation(t *testing.T) {
	srv := testutilServerWithOrgs(t)
	tests := []struct {
		name string
		env  func(u *user) []string
		args func(u *user) []string
		path func(u *user) string
	}{
		{"default ~/.config", func(*user) []string { return nil }, func(*user) []string { return nil },
			func(u *user) string { return filepath.Join(u.home, ".config", "pakyas", "config.toml") }},
		{"XDG_CONFIG_HOME", func(u *user) []string { return []string{"XDG_CONFIG_HOME", filepath.Join(u.home, "xdg")} }, func(*user) []string { return nil },
			func(u *user) string { return filepath.Join(u.home, "xdg", "pakyas", "config.toml") }},
		{"empty XDG_CONFIG_HOME", func(u *user) []string { return []string{"XDG_CONFIG_HOME", ""} }, func(*user) []string { return nil },
			func(u *user) string { return filepath.Join(u.home, ".config", "pakyas", "config.toml") }},
		{"--config", func(*user) []string { return nil }, func(u *user) []string { return []string{"--config", filepath.Join(u.home, "my.toml")} },
			func(u *user) string { return filepath.Join(u.home, "my.toml") }},
		{"PAKYAS_CONFIG", func(u *user) []string { return []string{"PAKYAS_CONFIG", filepath.Join(u.home, "env.toml")} }, func(*user) []string { return nil },
			func(u *user) string { return filepath.Join(u.home, "env.toml") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUser(t)
			u = u.with(tt.env(u)...)
			args := append([]string{"login", "--api-url", srv.URL, "--api-key", srv.Key}, tt.args(u)...)
			r := u.exec(args...)
			ok(t, r)
			assert.Contains(t, r.stdout, tt.path(u))
			assertMode(t, tt.path(u), 0o600)
			c, err := config.Load(tt.path(u))
			require.NoError(t, err)
			assert.Equal(t, srv.Key, c.APIKey)
			assert.Equal(t, srv.URL, c.APIURL)
			// The saved settings are used by the next command.
			out := ok(t, u.exec(append([]string{"whoami"}, tt.args(u)...)...))
			assert.Contains(t, out, "User: admin@example.com")
		})
	}
}

func TestConfigErrorsNameFileAndLine(t *testing.T) {
	u := newUser(t)
	require.NoError(t, os.MkdirAll(u.configDir(), 0o700))
	require.NoError(t, os.WriteFile(u.configFile(), []byte("api_url = \"http://127.0.0.1:1\"\napi_kye = \"x\"\n"), 0o600))
	r := u.run("whoami")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, u.configFile()+":2:")
	assert.Contains(t, r.stderr, `unknown key "api_kye"`)
	assert.Contains(t, r.stderr, "hint:")
}

func TestLoginLogout(t *testing.T) {
	srv := testutilServerWithOrgs(t)
	u := newUser(t)

	r := u.run("login", "--api-url", srv.URL, "--api-key", "pk_live_wrong")
	assert.Equal(t, exitAuth, r.code, "%s", r)
	_, err := os.Stat(u.configFile())
	assert.True(t, os.IsNotExist(err), "a refused key is not saved")

	r = u.run("login", "--api-url", srv.URL)
	assert.Equal(t, exitUsage, r.code, "%s", r)
	assert.Contains(t, r.stderr, "--api-key")

	out := ok(t, u.run("login", "--api-url", srv.URL, "--api-key", srv.Key))
	assert.Contains(t, out, "Logged in to "+srv.URL+" as admin@example.com")
	assertMode(t, u.configFile(), 0o600)
	c, err := config.Load(u.configFile())
	require.NoError(t, err)
	assert.Equal(t, config.Config{APIURL: srv.URL, APIKey: srv.Key, Org: "Test Org", Project: "Test Project"}, *c)

	out = ok(t, u.with("PAKYAS_API_KEY", "pk_live_x").run("logout"))
	assert.Contains(t, out, "Logged out")
	c, err = config.Load(u.configFile())
	require.NoError(t, err)
	assert.Empty(t, c.APIKey)
	assert.Equal(t, srv.URL, c.APIURL)

	r = u.run("whoami")
	assert.Equal(t, exitAuth, r.code)
	assert.Contains(t, r.stderr, "Not logged in")
}

// testutilServerWithOrgs starts a server whose first user also owns the
// named organizations (each with one project, "NAME Project").
func testutilServerWithOrgs(t *testing.T, orgs ...string) *testutil.Server {
	srv := testutil.StartServer(t)
	c := srv.Client(srv.Key)
	for _, name := range orgs {
		o, err := c.CreateOrg(context.Background(), name, "")
		require.NoError(t, err)
		_, err = c.CreateProject(context.Background(), o.ID, name+" Project", "")
		require.NoError(t, err)
	}
	return srv
}
