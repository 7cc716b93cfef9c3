package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

// pakyasBin is the pakyas binary built once for the whole package, as
// `make build` ships it: the lean pakyas, with pakyas-host and pakyas-full
// (fullBin) beside it.
var pakyasBin string

// fullBin is the pakyas-full beside pakyasBin.
func fullBin() string {
	return filepath.Join(filepath.Dir(pakyasBin), "pakyas-full"+filepath.Ext(pakyasBin))
}

// TestMain builds pakyas for the tests that run it as a process; the
// user-guide scripts (guide_test.go) run this test binary as "pakyas".
func TestMain(m *testing.M) {
	testscript.Main(buildFirst{m}, map[string]func(){
		"pakyas": func() { os.Exit(run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

type buildFirst struct{ m *testing.M }

func (b buildFirst) Run() int {
	var err error
	if pakyasBin, err = testutil.Build("./cmd/pakyas", "pakyas"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return b.m.Run()
}

// user is a person at a shell: a home directory of their own and the
// environment variables they exported. Nothing of the test process's
// environment (PAKYAS_*, XDG_*) leaks in.
type user struct {
	t    *testing.T
	home string
	env  map[string]string
}

func newUser(t *testing.T) *user {
	home := t.TempDir()
	return &user{t: t, home: home, env: map[string]string{"HOME": home}}
}

func (u *user) configDir() string  { return filepath.Join(u.home, ".config", "pakyas") }
func (u *user) configFile() string { return filepath.Join(u.configDir(), "config.toml") }
func (u *user) cacheFile() string  { return filepath.Join(u.configDir(), "cache", "checks.json") }

// with returns a copy of u with more environment variables set.
func (u *user) with(kv ...string) *user {
	c := &user{t: u.t, home: u.home, env: map[string]string{}}
	for k, v := range u.env {
		c.env[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		c.env[kv[i]] = kv[i+1]
	}
	return c
}

// result is what a pakyas run printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// exec runs the built pakyas binary as the user.
func (u *user) exec(args ...string) result {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pakyasBin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if runtime.GOOS == "windows" {
		cmd.Env = append(cmd.Env, "SYSTEMROOT="+os.Getenv("SYSTEMROOT"))
	}
	for k, v := range u.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(u.t, ok, "run pakyas: %v", err)
		code = ee.ExitCode()
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// run runs pakyas in-process (run() with the user's environment).
func (u *user) run(args ...string) result {
	return u.runStdin("", args...)
}

func (u *user) runStdin(stdin string, args ...string) result {
	u.t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return u.env[k] },
	}
	code := e.run(context.Background(), append([]string{"pakyas"}, args...))
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// ok asserts the run succeeded and returns its stdout.
func ok(t *testing.T, r result) string {
	t.Helper()
	require.Equal(t, 0, r.code, "%s", r)
	return r.stdout
}

// loggedIn returns a user logged in to a fresh in-process server (org
// "Test Org", project "Test Project").
func loggedIn(t *testing.T) (*user, *testutil.Server) {
	srv := testutil.StartServer(t)
	u := newUser(t)
	ok(t, u.run("login", "--api-url", srv.URL, "--api-key", srv.Key))
	return u, srv
}

// createCheck creates a check in "Test Project" through the API.
func createCheck(t *testing.T, srv *testutil.Server, slug string) *api.Check {
	t.Helper()
	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	name := slug
	period, grace := int64(3600), int64(300)
	ch, err := c.CreateCheck(context.Background(), testProject(t, me), api.CheckInput{Name: &name, Slug: &name, Period: &period, Grace: &grace})
	require.NoError(t, err)
	return ch
}

// testProject returns the ID of the project "Test Project".
func testProject(t *testing.T, me *api.Me) string {
	t.Helper()
	for _, o := range me.Orgs {
		for _, p := range o.Projects {
			if p.Name == "Test Project" {
				return p.ID
			}
		}
	}
	t.Fatal("no project \"Test Project\"")
	return ""
}

// counter is a reverse proxy in front of a server that counts the API
// requests (under /api/) and pings going through it.
type counter struct {
	*httptest.Server
	mu    sync.Mutex
	api   int
	pings int
}

func newCounter(t *testing.T, target string) *counter {
	u, err := url.Parse(target)
	require.NoError(t, err)
	c := &counter{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if strings.HasPrefix(r.URL.Path, "/api/") {
			c.api++
		} else if strings.HasPrefix(r.URL.Path, "/ping/") {
			c.pings++
		}
		c.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *counter) counts() (apiCalls, pings int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.api, c.pings
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.api, c.pings = 0, 0
}
