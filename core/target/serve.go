package target

import (
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// watchInterval is how often Serve's watchdog looks for its parent.
const watchInterval = 500 * time.Millisecond

// Serve runs t as a target plugin: a plugin's main calls it and nothing
// else. It speaks go-plugin gRPC on a socket whose address it announces on
// stdout (the one thing a plugin may write there), logs to stderr, and
// returns when pakyas asks it to shut down or when pakyas is gone: a
// watchdog ends the plugin when its parent process dies, so no plugin
// outlives pakyas. On Unix it ignores SIGTERM, SIGHUP and SIGQUIT, and
// go-plugin ignores SIGINT: sent to pakyas's whole process group, they
// would end the plugin before pakyas has sent the job's finish through it.
// Run by hand, without the handshake cookie, it says so on stderr and
// exits 1.
func Serve(t Target) {
	// go-plugin redirects os.Stderr into its stdio stream once serving;
	// the log goes to the real stderr, where pakyas -v shows it.
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "target",
		Output:     os.Stderr,
		Level:      hclog.LevelFromString(envOr(LogLevelEnv, "warn")),
		JSONFormat: true, // go-plugin's host parses it back into levels
	})

	var st stopper
	done := make(chan struct{})
	defer close(done)
	go watchParent(done, func() {
		logger.Warn("parent process is gone; shutting down")
		st.stop()
	})
	ignoreGroupSignals(done, logger)

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: VersionedPlugins(t),
		GRPCServer:       st.newServer,
		Logger:           logger,
	})
}

// ignoreGroupSignals swallows SIGTERM, SIGHUP and SIGQUIT until done is
// closed. pakyas starts its plugins in process groups of their own, but
// systemd signals every process of a service whatever its group, and
// another host may not make one: the plugin must still take the job's
// finish. It ends through pakyas (the Shutdown RPC, a kill) or, once pakyas
// is gone, the parent-death signal or the watchdog. The signals are caught
// rather than set to SIG_IGN, which a program the plugin runs would inherit.
func ignoreGroupSignals(done <-chan struct{}, logger hclog.Logger) {
	if runtime.GOOS == "windows" {
		return // no process groups; a console's close event must still end it
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		defer signal.Stop(sigs)
		for {
			select {
			case <-done:
				return
			case sig := <-sigs:
				logger.Debug("ignoring signal; pakyas ends its plugins itself", "signal", sig.String())
			}
		}
	}()
}

// stopper stops the plugin's gRPC server, which makes plugin.Serve return,
// even if asked before the server exists.
type stopper struct {
	mu      sync.Mutex
	srv     *grpc.Server
	stopped bool
}

func (s *stopper) newServer(opts []grpc.ServerOption) *grpc.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv = grpc.NewServer(opts...)
	if s.stopped {
		s.srv.Stop() // Serve on a stopped server returns at once
	}
	return s.srv
}

func (s *stopper) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.srv != nil {
		s.srv.Stop()
	}
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}
