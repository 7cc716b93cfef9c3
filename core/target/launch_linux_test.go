package target_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
)

// alive reports whether pid is a live process (not gone, not a zombie
// waiting for init to reap it).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may contain spaces, the state follows the last ')'.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

// environ returns pid's environment.
func environ(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
	require.NoError(t, err)
	env := map[string]string{}
	for _, kv := range strings.Split(string(b), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

func TestLaunchEnvironment(t *testing.T) {
	t.Setenv("PAKYAS_API_KEY", "pk_secret")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "also secret")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
	t.Setenv("no_proxy", "127.0.0.1")
	t.Setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
	t.Setenv("TZ", "Europe/Berlin")

	c := launch(t, target.LaunchOptions{})
	env := environ(t, c.Pid())

	assert.NotContains(t, env, "PAKYAS_API_KEY")
	assert.NotContains(t, env, "AWS_SECRET_ACCESS_KEY")
	assert.NotContains(t, env, "HOME")
	assert.Equal(t, "http://127.0.0.1:3128", env["HTTPS_PROXY"])
	assert.Equal(t, "127.0.0.1", env["no_proxy"])
	assert.Equal(t, "/etc/ssl/certs/ca-certificates.crt", env["SSL_CERT_FILE"])
	assert.Equal(t, "Europe/Berlin", env["TZ"])
	assert.Equal(t, os.Getenv("PATH"), env["PATH"])
	assert.Equal(t, target.Handshake.MagicCookieValue, env[target.Handshake.MagicCookieKey])
	assert.Equal(t, "warn", env[target.LogLevelEnv])
}

func TestLaunchSocketDir(t *testing.T) {
	c := launch(t, target.LaunchOptions{})
	dir := environ(t, c.Pid())["PLUGIN_UNIX_SOCKET_DIR"]
	require.NotEmpty(t, dir)

	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, os.ModeSocket, entries[0].Type())

	c.Kill()
	_, err = os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// No plugin outlives pakyas, even when pakyas is SIGKILLed: Launch sets a
// parent-death signal.
func TestPluginDiesWithSIGKILLedHost(t *testing.T) {
	host, pid := startHelper(t, "launch")
	require.NoError(t, host.Process.Signal(syscall.SIGKILL))
	_ = host.Wait()
	assert.True(t, waitGone(pid, 3*time.Second), "plugin %d outlived its host", pid)
}

// Without a parent-death signal (macOS, or a host that does not use
// Launch), Serve's watchdog ends the plugin once its parent is gone.
func TestServeWatchdogEndsOrphanedPlugin(t *testing.T) {
	host, pid := startHelper(t, "exec")
	require.NoError(t, host.Process.Signal(syscall.SIGKILL))
	_ = host.Wait()
	assert.True(t, waitGone(pid, 5*time.Second), "orphaned plugin %d kept running", pid)
}
