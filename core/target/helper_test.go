//go:build unix

package target_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
)

// The test binary doubles as a stand-in for pakyas: run with helperEnv set,
// it starts the plugin named by helperPluginEnv, prints the plugin's pid and
// waits to be killed.
const (
	helperEnv       = "PAKYAS_TARGET_TEST_HELPER" // "launch" or "exec"
	helperPluginEnv = "PAKYAS_TARGET_TEST_PLUGIN"
)

func runHelper() {
	path := os.Getenv(helperPluginEnv)
	switch os.Getenv(helperEnv) {
	case "launch": // as pakyas does it
		c, err := target.Launch(context.Background(), path, target.LaunchOptions{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(c.Pid())
	case "exec": // a bare exec without a parent-death signal: only the
		// plugin's own watchdog can end it
		cmd := exec.Command(path)
		cmd.Env = append(os.Environ(), target.Handshake.MagicCookieKey+"="+target.Handshake.MagicCookieValue,
			"PLUGIN_PROTOCOL_VERSIONS=1")
		out, err := cmd.StdoutPipe()
		if err == nil {
			err = cmd.Start()
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		_, _ = bufio.NewReader(out).ReadString('\n') // the handshake: it is serving
		fmt.Println(cmd.Process.Pid)
	}
	time.Sleep(time.Minute)
	os.Exit(0)
}

// startHelper runs the test binary as a host of the webhook plugin and
// returns the host and the plugin's pid.
func startHelper(t *testing.T, mode string) (*exec.Cmd, int) {
	t.Helper()
	host := exec.Command(os.Args[0], "-test.run=^$")
	// A SIGKILLed host cannot remove its socket directory; keep it in a
	// directory the test removes.
	host.Env = append(os.Environ(), helperEnv+"="+mode, helperPluginEnv+"="+webhookBin, "TMPDIR="+t.TempDir())
	out, err := host.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, host.Start())
	t.Cleanup(func() { _ = host.Process.Kill(); _ = host.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	require.NoError(t, err, "helper said %q", line)
	require.True(t, alive(pid))
	return host, pid
}

// waitGone reports whether pid is gone within d.
func waitGone(pid int, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if !alive(pid) {
			return true
		}
	}
	return false
}
