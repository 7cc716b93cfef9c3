//go:build linux

package external_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/internal/testutil"
)

// The end-to-end tests run the built pakyas with the built plugins
// against httptest servers standing in for healthchecks.io, Cronitor and
// a webhook receiver; each test has its own plugin directory, config and
// state, and checks that no plugin process outlives pakyas.

const (
	hcUUID     = "550e8400-e29b-41d4-a716-446655440000"
	cronKey    = "backup-db-monitor"
	cronAPIKey = "cronkey"
	// downID is the public ID used when Pakyas is down.
	downID = "11111111-2222-4333-8444-555555555555"
)

// world is one test's machine: pakyas, its plugins and environment.
type world struct {
	t         *testing.T
	pakyas    string
	pluginDir string
	env       map[string]string
	configDir string
}

func newWorld(t *testing.T, plugins ...string) *world {
	t.Helper()
	root := t.TempDir()
	w := &world{t: t, pakyas: testutil.Binary(t, "./cmd/pakyas", "pakyas"), pluginDir: install(t, plugins...),
		configDir: filepath.Join(root, "config", "pakyas")}
	w.env = map[string]string{
		"PATH":              os.Getenv("PATH"),
		"HOME":              filepath.Join(root, "home"),
		"XDG_CONFIG_HOME":   filepath.Join(root, "config"),
		"XDG_STATE_HOME":    filepath.Join(root, "state"),
		"PAKYAS_PLUGIN_DIR": w.pluginDir,
		"PAKYAS_RETRIES":    "0",
		"PAKYAS_RETRY_WAIT": "10ms",
	}
	require.NoError(t, os.MkdirAll(w.configDir, 0o700))
	return w
}

// config writes external_monitors.toml where pakyas looks by default.
func (w *world) config(doc string) {
	require.NoError(w.t, os.WriteFile(filepath.Join(w.configDir, config.ExternalFileName), []byte(doc), 0o600))
}

func (w *world) command(env map[string]string, args ...string) *exec.Cmd {
	cmd := exec.Command(w.pakyas, args...)
	for k, v := range w.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

type run struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

func (w *world) run(env map[string]string, args ...string) run {
	w.t.Helper()
	cmd := w.command(env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(t0)}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(w.t, ok, "run pakyas: %v", err)
		r.code = ee.ExitCode()
	}
	noLeftovers(w.t, w.pluginDir)
	return r
}

// services are the stand-ins for healthchecks.io, Cronitor and a webhook.
type services struct{ hc, cron, hook *recorder }

func newServices(t *testing.T, up bool) services {
	status := http.StatusOK
	if !up {
		status = http.StatusServiceUnavailable
	}
	return services{hc: newRecorder(t, status), cron: newRecorder(t, status), hook: newRecorder(t, status)}
}

// doc returns external_monitors.toml for the three targets and check key.
func (s services) doc(key, extra string) string {
	return fmt.Sprintf(`%s
[targets.healthchecks]
endpoint = %q

[targets.cronitor]
api_key = %q
endpoint = %q

[targets.webhook]
url = %q

[checks.%q.targets.healthchecks]
uuid = %q

[checks.%q.targets.cronitor]
monitor_key = %q
`, extra, s.hc.URL, cronAPIKey, s.cron.URL, s.hook.URL, key, hcUUID, key, cronKey)
}

// assertRequests checks the exact requests of one run (start, then the
// finish with code, output "oops\n") and returns the run id.
func (s services) assertRequests(t *testing.T, key string, code int) {
	t.Helper()
	hc := s.hc.requests()
	require.Len(t, hc, 2, "healthchecks requests")
	m := regexp.MustCompile(`^POST /` + hcUUID + `/start\?rid=([0-9a-f-]{36}) $`).FindStringSubmatch(hc[0])
	require.NotNil(t, m, hc[0])
	rid := m[1]
	suffix := "/" + strconv.Itoa(code)
	if code == 0 {
		suffix = ""
	}
	assert.Equal(t, "POST /"+hcUUID+suffix+"?rid="+rid+" oops\n", hc[1])

	cron := s.cron.requests()
	require.Len(t, cron, 2, "cronitor requests")
	for i, state := range []string{"run", map[bool]string{true: "complete", false: "fail"}[code == 0]} {
		method, rest, _ := strings.Cut(cron[i], " ")
		assert.Equal(t, "GET", method)
		u, err := url.Parse(strings.TrimSuffix(rest, " "))
		require.NoError(t, err)
		assert.Equal(t, "/p/"+cronAPIKey+"/"+cronKey, u.Path)
		q := u.Query()
		assert.Equal(t, state, q.Get("state"))
		assert.Equal(t, rid, q.Get("series"))
		if i == 1 {
			assert.Equal(t, strconv.Itoa(code), q.Get("status_code"))
			assert.Equal(t, "oops\n", q.Get("message"))
		}
	}

	hook := s.hook.requests()
	require.Len(t, hook, 2, "webhook requests")
	for i, want := range []string{"start", map[bool]string{true: "success", false: "fail"}[code == 0]} {
		body, ok := strings.CutPrefix(hook[i], "POST / ")
		require.True(t, ok, hook[i])
		var p map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &p), body)
		assert.Equal(t, key, p["check_identifier"])
		assert.Equal(t, want, p["event_type"])
		if i == 1 {
			assert.Equal(t, float64(code), p["exit_code"])
			assert.Equal(t, "oops\n", p["output"])
		}
	}
}

// pakyasUp starts a Pakyas server with a check and returns its URL and
// the check's public ID.
func pakyasUp(t *testing.T) (string, string) {
	srv := testutil.StartServer(t)
	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	name, period, grace := "backup-db", int64(3600), int64(300)
	ch, err := c.CreateCheck(context.Background(), me.Orgs[0].Projects[0].ID, api.CheckInput{Name: &name, Slug: &name, Period: &period, Grace: &grace})
	require.NoError(t, err)
	return srv.URL, ch.PublicID
}

// pakyasDown is the URL of a port nothing listens on: port 1, never a
// port just closed, which another test's listener may take meanwhile.
const pakyasDown = "http://127.0.0.1:1"

const warning = "[pakyas] Warning: Pakyas ping failed ("
const warningEnd = "), but external monitor succeeded (migration mode)\n"

// TestMonitorScenarios runs every row of external-monitors.md's flows:
// Pakyas up/down × migration mode on/off × targets up/down.
func TestMonitorScenarios(t *testing.T) {
	tests := []struct {
		name      string
		pakyas    bool
		migration string // "", "flag", "env" or "file"
		targets   bool
		job       int
		want      int
		warn      bool
	}{
		{"pakyas up, targets up: the job's code", true, "", true, 2, 2, false},
		{"pakyas up, targets up, job ok", true, "", true, 0, 0, false},
		{"pakyas up, targets down: the job's code", true, "", false, 2, 2, false},
		{"pakyas up, migration, targets down: the job's code", true, "flag", false, 0, 0, false},
		{"pakyas up, migration, targets up", true, "file", true, 2, 2, false},
		{"pakyas down, targets up: 3", false, "", true, 0, 3, false},
		{"pakyas down, targets down: 3", false, "", false, 0, 3, false},
		{"pakyas down, migration (flag), targets up: the job's code and a warning", false, "flag", true, 2, 2, true},
		{"pakyas down, migration (env), targets up, job ok: 0 and a warning", false, "env", true, 0, 0, true},
		{"pakyas down, migration (file), targets up: the job's code and a warning", false, "file", true, 2, 2, true},
		{"pakyas down, migration, targets down: 3", false, "flag", false, 0, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, "healthchecks", "cronitor", "webhook")
			svc := newServices(t, tt.targets)
			apiURL, id := "", downID
			if tt.pakyas {
				apiURL, id = pakyasUp(t)
			} else {
				apiURL = pakyasDown
			}
			extra, env := "", map[string]string{"PAKYAS_API_URL": apiURL}
			args := []string{"monitor", "--public-id", id}
			switch tt.migration {
			case "flag":
				args = append(args, "--migration-mode")
			case "env":
				env["PAKYAS_MIGRATION_MODE"] = "true"
			case "file":
				extra = "migration_mode = true"
			}
			w.config(svc.doc(id, extra))
			r := w.run(env, append(args, "--", "sh", "-c", fmt.Sprintf("echo oops >&2; exit %d", tt.job))...)
			require.Equal(t, tt.want, r.code, "stderr:\n%s", r.stderr)
			svc.assertRequests(t, id, tt.job)
			if tt.warn {
				assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(warning)+`[^\n]*connection refused`+regexp.QuoteMeta(warningEnd), r.stderr)
			} else {
				assert.NotContains(t, r.stderr, "external monitor succeeded")
			}
			if !tt.targets {
				assert.Contains(t, r.stderr, "pakyas: warning: external target healthchecks: ")
			}
		})
	}
}

// TestMigrationModePrecedence: the flag beats the environment, which beats
// the file.
func TestMigrationModePrecedence(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  string
		args []string
		want int
	}{
		{"file on", "migration_mode = true", "", nil, 0},
		{"env off beats file on", "migration_mode = true", "false", nil, 3},
		{"flag off beats env on", "", "true", []string{"--migration-mode=false"}, 3},
		{"flag on beats file off", "migration_mode = false", "", []string{"--migration-mode"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, "webhook")
			hook := newRecorder(t, 200)
			w.config(fmt.Sprintf("%s\n[targets.webhook]\nurl = %q\n", tt.file, hook.URL))
			env := map[string]string{"PAKYAS_API_URL": pakyasDown}
			if tt.env != "" {
				env["PAKYAS_MIGRATION_MODE"] = tt.env
			}
			args := append([]string{"monitor", "--public-id", downID}, tt.args...)
			r := w.run(env, append(args, "--", "true")...)
			assert.Equal(t, tt.want, r.code, r.stderr)
		})
	}
}

// TestMonitorMisbehavingPlugins: a plugin that hangs, crashes, or is not
// installed costs at most the external timeout, is reported on stderr,
// never changes a healthy run's exit code, and leaves no process behind.
func TestMonitorMisbehavingPlugins(t *testing.T) {
	tests := []struct {
		name    string
		plugin  string
		install bool
		stderr  string
	}{
		{"hanging plugin", "hang", true, "pakyas: warning: external target hang: fail not delivered"},
		{"crashing plugin", "crash", true, "pakyas: warning: external target crash: "},
		{"plugin printing to stdout", "stdout", true, "pakyas: warning: external target stdout: "},
		{"missing plugin", "pagerduty", false, ":4:1: [targets.pagerduty]: no plugin pakyas-target-pagerduty installed"},
	}
	const timeout = 1000 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plugins := []string{"webhook"}
			if tt.install {
				plugins = append(plugins, tt.plugin)
			}
			w := newWorld(t, plugins...)
			hook := newRecorder(t, 200)
			apiURL, id := pakyasUp(t)
			w.config(fmt.Sprintf("[targets.webhook]\nurl = %q\n\n[targets.%s]\n", hook.URL, tt.plugin))
			r := w.run(map[string]string{"PAKYAS_API_URL": apiURL},
				"monitor", "--public-id", id, "--external-timeout-ms", strconv.Itoa(int(timeout/time.Millisecond)), "--", "sh", "-c", "exit 2")
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Contains(t, r.stderr, tt.stderr)
			if tt.plugin == "stdout" {
				assert.Equal(t, 1, strings.Count(r.stderr, "not the handshake line"), "why it did not start is said once:\n%s", r.stderr)
				assert.Contains(t, r.stderr, "pakyas: warning: external target stdout: fail not delivered (0s): the plugin did not start (the reason is above)")
				for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
					assert.Contains(t, []string{"[", "p"}, line[:1], "one line each, no go-plugin dump: %q", line)
				}
			}
			assert.Less(t, r.elapsed, 2*timeout+2*time.Second, "a misbehaving plugin costs at most the timeout (start and finish)")
			assert.Len(t, hook.requests(), 2, "the healthy target still gets both events")
		})
	}
}

// TestMonitorVerbose: -v says which file, which key, which targets and
// why, and each result with its latency.
func TestMonitorVerbose(t *testing.T) {
	w := newWorld(t, "healthchecks", "cronitor", "webhook")
	svc := newServices(t, true)
	apiURL, id := pakyasUp(t)
	w.config(svc.doc(id, ""))
	r := w.run(map[string]string{"PAKYAS_API_URL": apiURL}, "monitor", "-v", "--public-id", id, "--", "sh", "-c", "echo oops >&2; exit 0")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"[pakyas] External monitors: config file " + filepath.Join(w.configDir, config.ExternalFileName),
		"[pakyas] External monitors: config key: " + id,
		fmt.Sprintf("[pakyas] External target healthchecks: applies ([checks.%q.targets.healthchecks], line 12)", id),
		"[pakyas] External target webhook: applies to every check",
	} {
		assert.Contains(t, r.stderr, want)
	}
	assert.Regexp(t, `\[pakyas\] External target cronitor: success delivered in \S+ \(HTTP 200 OK\)`, r.stderr)
	svc.assertRequests(t, id, 0)
	// One prefix: pakyas's lines, its requests to the server among them;
	// the plugin host's debug log only with -vv.
	for _, line := range strings.Split(strings.TrimRight(r.stderr, "\n"), "\n") {
		if line != "oops" { // the job's own stderr
			assert.True(t, strings.HasPrefix(line, "[pakyas] "), "one prefix under -v: %q", line)
		}
	}
	assert.Contains(t, r.stderr, "[pakyas] POST "+apiURL+"/ping/"+id+"/start")
	r = w.run(map[string]string{"PAKYAS_API_URL": apiURL}, "monitor", "-vv", "--public-id", id, "--", "true")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "[DEBUG] plugin: starting plugin", "-vv adds the plugin host's debug log")
}

// TestPingTargets: pakyas ping notifies the targets after Pakyas; in
// migration mode a target's success stands in for Pakyas's.
func TestPingTargets(t *testing.T) {
	tests := []struct {
		name      string
		pakyas    bool
		migration bool
		args      []string
		want      int
		hcPath    string
	}{
		{"success", true, false, nil, 0, "/" + hcUUID},
		{"start", true, false, []string{"--start"}, 0, "/" + hcUUID + "/start"},
		{"exit code", true, false, []string{"--exit-code", "4"}, 0, "/" + hcUUID + "/4"},
		{"pakyas down", false, false, nil, 3, "/" + hcUUID},
		{"pakyas down, migration", false, true, []string{"--fail"}, 0, "/" + hcUUID + "/fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, "healthchecks")
			hc := newRecorder(t, 200)
			apiURL, id := pakyasDown, downID
			if tt.pakyas {
				apiURL, id = pakyasUp(t)
			}
			w.config(fmt.Sprintf("[targets.healthchecks]\nendpoint = %q\n[checks.%q.targets.healthchecks]\nuuid = %q\n", hc.URL, id, hcUUID))
			args := append([]string{"ping", "--public-id", id}, tt.args...)
			if tt.migration {
				args = append(args, "--migration-mode")
			}
			r := w.run(map[string]string{"PAKYAS_API_URL": apiURL}, args...)
			require.Equal(t, tt.want, r.code, r.stderr)
			require.Len(t, hc.requests(), 1)
			assert.Equal(t, "POST "+tt.hcPath+" ", hc.requests()[0])
			if tt.migration {
				assert.Contains(t, r.stderr, warning)
				assert.Contains(t, r.stderr, warningEnd)
			}
		})
	}
}

// TestNoExternal: --no-external and PAKYAS_NO_EXTERNAL launch nothing.
func TestNoExternal(t *testing.T) {
	for _, how := range []string{"flag", "env"} {
		t.Run(how, func(t *testing.T) {
			w := newWorld(t, "webhook")
			hook := newRecorder(t, 200)
			apiURL, id := pakyasUp(t)
			w.config(fmt.Sprintf("[targets.webhook]\nurl = %q\n", hook.URL))
			env := map[string]string{"PAKYAS_API_URL": apiURL}
			args := []string{"monitor", "--public-id", id}
			if how == "flag" {
				args = append(args, "--no-external")
			} else {
				env["PAKYAS_NO_EXTERNAL"] = "1"
			}
			r := w.run(env, append(args, "--", "true")...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, hook.requests())
		})
	}
}

// TestMonitorSIGKILL: when pakyas is SIGKILLed in the middle of a job,
// its plugins die with it.
func TestMonitorSIGKILL(t *testing.T) {
	w := newWorld(t, "webhook", "hang")
	hook := newRecorder(t, 200)
	apiURL, id := pakyasUp(t)
	w.config(fmt.Sprintf("[targets.webhook]\nurl = %q\n[targets.hang]\n", hook.URL))
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "job.pid")
	cmd := w.command(map[string]string{"PAKYAS_API_URL": apiURL}, "monitor", "--public-id", id, "--external-timeout-ms", "60000",
		"--", "sh", "-c", "echo $$ > "+pidFile+"; exec sleep 60")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	require.Eventually(t, func() bool {
		_, err := os.Stat(pidFile)
		return err == nil && len(testutil.ProcessesUnder(t, w.pluginDir)) == 2 && len(hook.requests()) == 1
	}, 20*time.Second, 10*time.Millisecond, "the job and both plugins run, the start event was delivered")
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	noLeftovers(t, w.pluginDir)
}

// TestMonitorGroupSignal: a signal sent to pakyas's whole process group
// (timeout(1) does it, so does `kill -TERM -PGID`, and systemd signals
// every process of a service) reaches the job through pakyas, and every
// target still gets the finish with the job's code: the plugins run in
// groups of their own, and ignore the signal anyway.
func TestMonitorGroupSignal(t *testing.T) {
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}, {syscall.SIGQUIT, 131}} {
		t.Run(unix.SignalName(tt.sig), func(t *testing.T) {
			w := newWorld(t, "healthchecks", "cronitor", "webhook")
			svc := newServices(t, true)
			apiURL, id := pakyasUp(t)
			w.config(svc.doc(id, ""))
			pidFile := filepath.Join(t.TempDir(), "job.pid")
			cmd := w.command(map[string]string{"PAKYAS_API_URL": apiURL}, "monitor", "--public-id", id,
				"--", "sh", "-c", "echo oops >&2; echo $$ > "+pidFile+"; exec sleep 60")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a group to signal, as timeout(1) makes
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			t.Cleanup(func() {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				if b, err := os.ReadFile(pidFile); err == nil {
					if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
						_ = syscall.Kill(pid, syscall.SIGKILL)
					}
				}
			})
			require.Eventually(t, func() bool {
				_, err := os.Stat(pidFile)
				return err == nil && len(svc.hc.requests()) == 1 && len(svc.cron.requests()) == 1 && len(svc.hook.requests()) == 1
			}, 20*time.Second, 10*time.Millisecond, "the job runs and every target has the start event")

			require.NoError(t, syscall.Kill(-cmd.Process.Pid, tt.sig))
			err := cmd.Wait()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "stderr:\n%s", stderr.String())
			require.Equal(t, tt.code, ee.ExitCode(), "stderr:\n%s", stderr.String())
			assert.NotContains(t, stderr.String(), "not delivered")
			svc.assertRequests(t, id, tt.code)
			noLeftovers(t, w.pluginDir)
		})
	}
}
