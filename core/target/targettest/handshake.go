package targettest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	plugin "github.com/hashicorp/go-plugin"

	"github.com/pakyas/pakyas/core/target"
)

// HandshakeLine is the line a go-plugin plugin prints on stdout once it
// serves: CORE-PROTOCOL-VERSION|APP-PROTOCOL-VERSION|NETWORK-TYPE|NETWORK-ADDR|PROTOCOL,
// e.g. "1|1|unix|/tmp/plugin123|grpc".
type HandshakeLine struct {
	CoreVersion int    // go-plugin's own protocol: 1
	AppVersion  int    // the Pakyas target protocol: target.ProtocolVersion
	Network     string // "unix" or "tcp"
	Addr        string // the socket path or host:port
	Protocol    string // "grpc"; pakyas speaks nothing else
}

// ParseHandshake parses and checks a handshake line, saying what is wrong
// with it in terms a plugin author can act on.
func ParseHandshake(line string) (HandshakeLine, error) {
	parts := strings.Split(strings.TrimSpace(line), "|")
	if len(parts) < 4 {
		return HandshakeLine{}, fmt.Errorf("the first line on stdout is %q, not the handshake line "+
			"CORE-PROTOCOL-VERSION|APP-PROTOCOL-VERSION|NETWORK-TYPE|NETWORK-ADDR|PROTOCOL: "+
			"a plugin must write nothing else to stdout (log to stderr)", truncate(line, 80))
	}
	var h HandshakeLine
	var err error
	if h.CoreVersion, err = strconv.Atoi(parts[0]); err != nil || h.CoreVersion != plugin.CoreProtocolVersion {
		return h, fmt.Errorf("core protocol version %q in the handshake line: go-plugin's is %d; "+
			"print %d as the first field (Go SDK: serve with target.Serve)", parts[0], plugin.CoreProtocolVersion, plugin.CoreProtocolVersion)
	}
	if h.AppVersion, err = strconv.Atoi(parts[1]); err != nil {
		return h, fmt.Errorf("protocol version %q in the handshake line is not a number; this pakyas speaks %d", parts[1], target.ProtocolVersion)
	}
	if h.AppVersion != target.ProtocolVersion {
		return h, fmt.Errorf("the plugin speaks protocol version %d; this pakyas speaks %d: "+
			"make the plugin speak %d (Go SDK: build it against a github.com/pakyas/pakyas/core/target that speaks it), or use a pakyas that speaks %d",
			h.AppVersion, target.ProtocolVersion, target.ProtocolVersion, h.AppVersion)
	}
	h.Network, h.Addr = parts[2], parts[3]
	if h.Network != "unix" && h.Network != "tcp" {
		return h, fmt.Errorf("network type %q in the handshake line: want unix or tcp", h.Network)
	}
	h.Protocol = "netrpc" // go-plugin's default when the field is missing
	if len(parts) > 4 && parts[4] != "" {
		h.Protocol = parts[4]
	}
	if h.Protocol != string(plugin.ProtocolGRPC) {
		return h, fmt.Errorf("the plugin serves %s; pakyas speaks gRPC only: serve gRPC and end the handshake line with |grpc "+
			"(Go SDK: serve with target.Serve)", h.Protocol)
	}
	return h, nil
}

// Probe runs the plugin at path as pakyas would (magic cookie, protocol
// versions, a socket directory), reads its handshake line, checks it with
// ParseHandshake and stops the plugin. Errors say what to fix.
func Probe(ctx context.Context, path string) (HandshakeLine, error) {
	sockDir, err := os.MkdirTemp("", "pakyas-probe-")
	if err != nil {
		return HandshakeLine{}, err
	}
	defer os.RemoveAll(sockDir)

	cmd := exec.Command(path)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + os.TempDir(),
		target.Handshake.MagicCookieKey + "=" + target.Handshake.MagicCookieValue,
		"PLUGIN_PROTOCOL_VERSIONS=" + strconv.Itoa(target.ProtocolVersion),
		plugin.EnvUnixSocketDir + "=" + sockDir,
		target.LogLevelEnv + "=warn",
	}
	var stderr lockedTail
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return HandshakeLine{}, err
	}
	if err := cmd.Start(); err != nil {
		return HandshakeLine{}, fmt.Errorf("start %s: %w (is it an executable for this machine?)", path, err)
	}
	lines := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil && line == "" {
			close(lines)
			return
		}
		lines <- line
	}()
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()

	select {
	case <-ctx.Done():
		return HandshakeLine{}, fmt.Errorf("the plugin printed no handshake line on stdout in time (%w): "+
			"a plugin must print it as soon as it serves (Go SDK: main calls target.Serve at once)%s", ctx.Err(), stderr.hint())
	case line, ok := <-lines:
		if !ok {
			state := "exited"
			if err := cmd.Wait(); err != nil {
				state = err.Error()
			}
			return HandshakeLine{}, fmt.Errorf("the plugin ended (%s) without printing the handshake line: "+
				"it must serve when pakyas sets the magic cookie %s=%s (Go SDK: serve with target.Serve)%s",
				state, target.Handshake.MagicCookieKey, target.Handshake.MagicCookieValue, stderr.hint())
		}
		return ParseHandshake(line)
	}
}

// lockedTail keeps the last 2 KiB written to it.
type lockedTail struct {
	mu sync.Mutex
	b  []byte
}

func (t *lockedTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2048 {
		t.b = t.b[len(t.b)-2048:]
	}
	return len(p), nil
}

// hint is "; its stderr: ..." or "".
func (t *lockedTail) hint() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(bytes.TrimSpace(t.b))
	if s == "" {
		return ""
	}
	return "; its stderr: " + truncate(s, 400)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
