package target

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
)

// DefaultStartTimeout is how long Launch waits for a plugin to start when
// LaunchOptions.StartTimeout is zero. A Go plugin starts in milliseconds;
// go-plugin's own default (a minute) is far too long for a cron wrapper.
const DefaultStartTimeout = 5 * time.Second

// LogLevelEnv is the environment variable through which Launch tells a
// plugin how much to log to stderr ("debug" with LaunchOptions.Verbose,
// "warn" otherwise). Serve reads it.
const LogLevelEnv = "PAKYAS_TARGET_LOG_LEVEL"

// LaunchOptions tunes Launch.
type LaunchOptions struct {
	// StartTimeout bounds how long the plugin may take to start and connect.
	// Zero means DefaultStartTimeout; a sooner deadline on Launch's ctx wins.
	StartTimeout time.Duration
	// Verbose sends go-plugin's warnings and errors and the plugin's
	// stderr to Stderr; otherwise both are discarded.
	Verbose bool
	// Debug adds go-plugin's debug log (`pakyas -vv`): each step of the
	// start, the handshake and the shutdown.
	Debug bool
	// Stderr receives the verbose log; nil means os.Stderr. It is written
	// from several goroutines, so it must be safe for concurrent writes.
	Stderr io.Writer
	// SocketDir is the directory for the plugin's Unix socket: one the
	// caller made 0700 (os.MkdirTemp does) and removes, so that a host of
	// several plugins makes one. Empty: Launch makes one, which the
	// Client removes. Unused on Windows (loopback TCP).
	SocketDir string
}

// Launch starts the plugin executable at path and connects to it over
// go-plugin gRPC, negotiating protocol version 1. ctx bounds the start only
// (use each call's ctx for the calls); the caller must Kill the Client.
//
// The go-plugin defaults are replaced on purpose: gRPC only; a logger that
// is silent unless opts.Verbose; StartTimeout from opts; no AutoMTLS (it
// costs ~60 ms a plugin) but a Unix socket in a 0700 directory (a fresh
// one unless opts.SocketDir); a plugin environment that keeps only the
// variables an HTTP client needs (PATH, TZ, TMPDIR, the proxy variables,
// SSL_CERT_FILE and SSL_CERT_DIR) and drops the rest, the Pakyas API key
// first; on Unix a process group of its own, so that a signal sent to
// pakyas's group (timeout(1), systemd) leaves it to take the job's finish;
// and on Linux a parent-death signal, so the plugin dies with pakyas even
// when pakyas is SIGKILLed.
func Launch(ctx context.Context, path string, opts LaunchOptions) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("launch %s: %w", path, err)
	}
	timeout := startTimeout(ctx, opts.StartTimeout)
	if timeout <= 0 {
		return nil, fmt.Errorf("launch %s: %w", path, context.DeadlineExceeded)
	}
	cmd, sockDir, err := command(path, opts.Verbose, opts.SocketDir)
	if err != nil {
		return nil, fmt.Errorf("launch %s: %w", path, err)
	}

	logger, syncStderr := hclog.NewNullLogger(), io.Discard
	if opts.Verbose {
		stderr := opts.Stderr
		if stderr == nil {
			stderr = os.Stderr
		}
		level := hclog.Warn
		if opts.Debug {
			level = hclog.Debug
		}
		logger = hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: stderr, Level: level})
		syncStderr = stderr // what the plugin writes to os.Stderr while serving
	}
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: VersionedPlugins(nil),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		StartTimeout:     timeout,
		SkipHostEnv:      true,
		AutoMTLS:         false,
		SyncStdout:       io.Discard,
		SyncStderr:       syncStderr,
	})
	c, err := connect(pc)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		pc.Kill()
		if sockDir != "" {
			_ = os.RemoveAll(sockDir)
		}
		return nil, fmt.Errorf("launch %s: %w", path, err)
	}
	c.proc, c.sockDir = pc, sockDir
	return c, nil
}

// startTimeout is d, or DefaultStartTimeout when d is zero, cut short by
// ctx's deadline.
func startTimeout(ctx context.Context, d time.Duration) time.Duration {
	if d <= 0 {
		d = DefaultStartTimeout
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		d = time.Until(dl)
	}
	return d
}

// command prepares the plugin process: the allow-listed environment, the
// log level, the process group, the parent-death signal and, except on Windows (where go-plugin
// uses loopback TCP), the socket directory: shared, or else a fresh one
// (sockDir) the caller removes.
func command(path string, verbose bool, shared string) (cmd *exec.Cmd, sockDir string, err error) {
	cmd = exec.Command(path)
	cmd.SysProcAttr = sysProcAttr()
	cmd.Env = pluginEnv(os.Environ(), runtime.GOOS == "windows")
	level := "warn"
	if verbose {
		level = "debug"
	}
	cmd.Env = append(cmd.Env, LogLevelEnv+"="+level)
	if runtime.GOOS != "windows" {
		dir := shared
		if dir == "" {
			if sockDir, err = SocketDir(); err != nil {
				return nil, "", err
			}
			dir = sockDir
		}
		cmd.Env = append(cmd.Env, plugin.EnvUnixSocketDir+"="+dir)
	}
	return cmd, sockDir, nil
}

// SocketDir makes a directory for plugin sockets (LaunchOptions.SocketDir),
// 0700: only our user can reach a socket in it, which is what AutoMTLS
// would otherwise buy. The caller removes it.
func SocketDir() (string, error) {
	dir, err := os.MkdirTemp("", "pakyas-plugin-")
	if err != nil {
		return "", fmt.Errorf("socket directory: %w", err)
	}
	return dir, nil
}

// connect starts the plugin and dispenses its target.
func connect(pc *plugin.Client) (*Client, error) {
	rpc, err := pc.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		return nil, err
	}
	c, ok := raw.(*Client)
	if !ok {
		return nil, fmt.Errorf("dispensed %T, want *target.Client", raw)
	}
	return c, nil
}

// allowedEnv lists the host variables a plugin inherits: what an HTTP client
// needs (proxies, CA certificates), the time zone, and PATH and TMPDIR so
// plugins written as scripts still find their interpreter and a temp dir.
// Everything else, PAKYAS_API_KEY above all, stays with the host.
var allowedEnv = []string{
	"PATH", "TZ", "TMPDIR",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
	"http_proxy", "https_proxy", "no_proxy",
}

// windowsEnv is what any Windows process needs to reach the network and
// create temp files.
var windowsEnv = []string{"SYSTEMROOT", "WINDIR", "TEMP", "TMP", "PATHEXT"}

// pluginEnv filters environ ("KEY=value" entries) down to the allow-list.
// Windows variable names are case-insensitive.
func pluginEnv(environ []string, windows bool) []string {
	allowed := allowedEnv
	if windows {
		allowed = append(allowed[:len(allowed):len(allowed)], windowsEnv...)
	}
	var out []string
	for _, kv := range environ {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue
		}
		for _, a := range allowed {
			if name == a || (windows && strings.EqualFold(name, a)) {
				out = append(out, kv)
				break
			}
		}
	}
	return out
}
