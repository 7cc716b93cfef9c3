package external

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/target"
)

// DefaultTimeout is the external timeout when Options.Timeout is zero
// (--external-timeout-ms, external-monitors.md).
const DefaultTimeout = config.DefaultExternalTimeout

// Options says which targets a Host runs and how.
type Options struct {
	// Config is external_monitors.toml; nil or not Found: no targets.
	Config *config.External
	// Key is the check key the command was invoked with: the slug or the
	// public ID, as in [checks."<key>".targets.<name>].
	Key string
	// Dirs are searched for plugins (SearchPath).
	Dirs []Dir
	// Timeout bounds each event's deliveries, all targets together, and
	// each target's start; 0: DefaultTimeout.
	Timeout time.Duration
	// Verbose prints the config file, the key, which targets apply and
	// why, and every result with its latency (and the plugins' own logs).
	Verbose bool
	// Debug adds the plugin host's debug log (pakyas -vv).
	Debug bool
	// Quiet silences the warnings about targets that did not take an
	// event. Configuration errors are always printed.
	Quiet bool
	// Log receives the "[pakyas] ..." lines; nil: discarded.
	Log io.Writer
	// Only, when set, limits the Host to the target of that name.
	Only string
}

// Host runs the target plugins of one check for one command. Its methods
// are safe for concurrent use.
type Host struct {
	opts    Options
	log     *lockedWriter
	ctx     context.Context // cancelled by Close
	cancel  context.CancelFunc
	targets []*running
	posts   sync.WaitGroup // Post's deliveries in flight

	mu     sync.Mutex
	closed bool

	sockOnce sync.Once
	sockDir  string // one directory for every plugin's socket (socketDir)
	sockErr  error
}

// socketDir makes, once, the directory the Host's plugins put their Unix
// sockets in (one directory rather than one each: a plugin's start is on
// a monitored run's critical path); stop removes it.
func (h *Host) socketDir() (string, error) {
	if runtime.GOOS == "windows" {
		return "", nil // loopback TCP
	}
	h.sockOnce.Do(func() { h.sockDir, h.sockErr = target.SocketDir() })
	return h.sockDir, h.sockErr
}

// Start chooses the targets that apply to opts.Key and starts launching
// them in the background, in parallel; it returns at once. The rule: a
// target applies to every check unless its plugin declares a required
// per-check key; then only to the checks with a table for it. Per-check
// tables only add or override keys. A target without a table for this
// check is launched to read its schema and dropped if it requires one.
// The caller must Close the Host.
func Start(ctx context.Context, opts Options) *Host {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	log := &lockedWriter{w: opts.Log}
	if log.w == nil {
		log.w = io.Discard
	}
	h := &Host{opts: opts, log: log}
	h.ctx, h.cancel = context.WithCancel(context.WithoutCancel(ctx))
	cfg := opts.Config
	if cfg == nil {
		return h
	}
	if cfg.Found {
		h.verbosef("External monitors: config file %s", cfg.Path)
	} else {
		h.verbosef("External monitors: no config file (%s): no external targets", cfg.Path)
		return h
	}
	h.verbosef("External monitors: config key: %s", opts.Key)
	for _, name := range cfg.TargetsFor(opts.Key) {
		if opts.Only != "" && name != opts.Only {
			continue
		}
		r := &running{name: name, global: cfg.Targets[name], check: cfg.CheckTables(opts.Key)[name],
			ready: make(chan struct{})}
		if r.check != nil {
			h.verbosef("External target %s: applies (%s, line %d)", name, r.check.Header, r.check.Line)
		} else {
			// Applies unless its schema requires a per-check key
			// (launch reads it); other checks' tables only add keys.
			r.tentative = true
		}
		h.targets = append(h.targets, r)
		go h.launch(r)
	}
	if len(h.targets) == 0 {
		h.verbosef("External monitors: no target applies to %q", opts.Key)
	}
	return h
}

// Targets returns the number of targets that (may) apply, launched or
// launching.
func (h *Host) Targets() int { return len(h.targets) }

// Close waits for Post's deliveries in flight, then stops every plugin the
// Host started, in parallel, and waits for them to exit: each is asked to
// shut down (go-plugin's graceful path), and one that missed a deadline or
// died is killed at once. A plugin still starting is killed as soon as it
// has started (and dies with pakyas in any case).
// Close is idempotent; do not Send or Post after it.
func (h *Host) Close() { h.stop(true) }

// Release is Close for a Host whose process exits next, as `pakyas
// monitor` and `pakyas ping` do once the finish is delivered: it waits for
// Post's deliveries in flight and asks every plugin to shut down, but not
// for the plugins to exit, which is not the job's business (pakyas's exit
// ends any plugin still running: the parent-death signal on Linux, the
// plugin's watchdog elsewhere).
func (h *Host) Release() { h.stop(false) }

// releaseWait bounds how long Release waits for a plugin to answer the
// shutdown request.
const releaseWait = 100 * time.Millisecond

func (h *Host) stop(wait bool) {
	h.posts.Wait()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.cancel()
	type victim struct {
		c    *target.Client
		hung bool
	}
	var victims []victim
	for _, r := range h.targets {
		if r.client != nil {
			victims = append(victims, victim{r.client, r.hung})
			r.client = nil
		}
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, v := range victims {
		wg.Go(func() {
			if v.hung {
				forceKill(v.c)
			}
			if wait {
				v.c.Kill()
			} else {
				v.c.Stop(releaseWait)
			}
		})
	}
	wg.Wait()
	h.sockOnce.Do(func() {}) // none made from now on
	if h.sockDir != "" {
		_ = os.RemoveAll(h.sockDir)
	}
}

// forceKill kills c's process without asking it to shut down first (which
// go-plugin would wait 2 s for).
func forceKill(c *target.Client) {
	if pid := c.Pid(); pid > 0 {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	}
}

func (h *Host) printf(format string, args ...any) {
	fmt.Fprintf(h.log, "[pakyas] %s\n", console.Line(fmt.Sprintf(format, args...)))
}

func (h *Host) verbosef(format string, args ...any) {
	if h.opts.Verbose {
		h.printf(format, args...)
	}
}

// lockedWriter serialises writes from the targets' goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
