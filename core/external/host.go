package external

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/target"
)

// DefaultTimeout is the external timeout when Options.Timeout is zero
// (--external-timeout-ms, external-monitors.md).
const DefaultTimeout = 5 * time.Second

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
	// Quiet silences the warnings about targets that did not take an
	// event. Configuration errors are always printed.
	Quiet bool
	// Log receives the "[pakyas] ..." lines; nil: discarded.
	Log io.Writer
}

// Result is one target's answer to one event.
type Result struct {
	Target  string
	Err     error // nil: the service took the event
	Message string
	Latency time.Duration
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
}

// Start chooses the targets that apply to opts.Key and starts launching
// them in the background, in parallel; it returns at once. A target
// applies when the check has a table for it, or when no check has one and
// its plugin needs no per-check keys (a webhook): such a target is
// launched to read its schema and dropped if it does need them. The caller
// must Close the Host.
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
		r := &running{name: name, global: cfg.Targets[name], check: cfg.Checks[opts.Key][name],
			ready: make(chan struct{})}
		switch {
		case r.check != nil:
			h.verbosef("External target %s: applies (%s, line %d)", name, r.check.Header, r.check.Line)
		case cfg.HasCheckTables(name):
			h.verbosef("External target %s: skipped, no [checks.%q.targets.%s] table (other checks have one)", name, opts.Key, name)
			continue
		default:
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

// running is one target plugin of the Host.
type running struct {
	name          string
	global, check *config.Table
	// tentative: only a global table; the target applies to every check
	// unless its schema needs per-check keys.
	tentative bool

	ready  chan struct{} // closed once launched and configured, or failed
	client *target.Client
	err    error         // why it cannot take events
	skip   bool          // tentative, and it needs per-check keys
	last   chan struct{} // closed when the last event queued is done
}

// launch finds, checks, starts, describes and configures r's plugin.
func (h *Host) launch(r *running) {
	defer close(r.ready)
	ctx, cancel := context.WithTimeout(h.ctx, h.opts.Timeout)
	defer cancel()
	t0 := time.Now()
	c, err := h.start(ctx, r)
	if err == nil {
		err = h.configure(ctx, r, c)
	}
	h.mu.Lock()
	var unused *target.Client
	if c != nil && (err != nil || r.skip || h.closed) {
		unused, c = c, nil
	}
	r.client, r.err = c, err
	h.mu.Unlock()
	if unused != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			forceKill(unused)
		}
		unused.Kill()
	}
	var ce *config.Error
	switch {
	case r.skip:
	case errors.As(err, &ce):
		h.printf("%v", err) // the user must fix the file, whatever -q says
	case err != nil:
	default:
		h.verbosef("External target %s: ready in %s", r.name, ms(time.Since(t0)))
	}
}

// start finds, checks and launches r's plugin.
func (h *Host) start(ctx context.Context, r *running) (*target.Client, error) {
	table := r.global
	if table == nil {
		table = r.check
	}
	p, err := Find(h.opts.Dirs, r.name)
	if err != nil {
		return nil, table.Errorf("", "%v, or remove %s", err, table.Header)
	}
	h.verbosef("External target %s: plugin %s (%s)", r.name, p.Path, p.Source)
	pin, err := r.pin()
	if err != nil {
		return nil, err
	}
	if err := Verify(p.Path, pin); err != nil {
		if errors.Is(err, ErrChecksum) {
			return nil, r.global.Errorf(ChecksumKey, "%v", err)
		}
		return nil, err
	}
	c, err := target.Launch(ctx, p.Path, target.LaunchOptions{StartTimeout: h.opts.Timeout, Verbose: h.opts.Verbose, Stderr: h.log})
	if err != nil {
		return nil, fmt.Errorf("start plugin: %w", err)
	}
	return c, nil
}

// pin returns the sha256 of r's global table.
func (r *running) pin() (string, error) {
	if r.global == nil {
		return "", nil
	}
	v, ok := r.global.Values[ChecksumKey]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok || len(s) != 64 {
		return "", r.global.Errorf(ChecksumKey, "must be the plugin's SHA-256 in hex, 64 characters (sha256sum prints it)")
	}
	return s, nil
}

// configure validates r's tables against the plugin's schema, with the
// file's lines, and configures the plugin.
func (h *Host) configure(ctx context.Context, r *running, c *target.Client) error {
	info, err := c.Describe(ctx)
	if err != nil {
		return err
	}
	if r.tentative {
		if k, ok := requiredCheckKey(info.Schema); ok {
			r.skip = true
			h.verbosef("External target %s: skipped, it needs %s in [checks.%q.targets.%s]", r.name, k, h.opts.Key, r.name)
			return nil
		}
		h.verbosef("External target %s: applies to every check (%s, line %d; it needs no per-check keys)", r.name, r.global.Header, r.global.Line)
	}
	cfg := target.Config{Global: map[string]any{}, Check: map[string]any{}}
	if r.global != nil {
		for k, v := range r.global.Values {
			if k != ChecksumKey { // the host's, not the plugin's
				cfg.Global[k] = v
			}
		}
	}
	if r.check != nil {
		cfg.Check = r.check.Values
	}
	valid, err := info.Schema.Validate(cfg)
	if err != nil {
		return r.configError(h.opts.Config, h.opts.Key, err)
	}
	if err := c.Configure(ctx, valid); err != nil {
		return r.configError(h.opts.Config, h.opts.Key, err)
	}
	return nil
}

// requiredCheckKey returns a required per-check key of s.
func requiredCheckKey(s target.ConfigSchema) (string, bool) {
	for _, f := range s.Fields {
		if f.Required && f.Scope == target.ScopeCheck {
			return f.Key, true
		}
	}
	return "", false
}

// configError turns a *target.ConfigError into *config.Errors naming the
// file, the line, the table and the key; other errors pass through.
func (r *running) configError(cfg *config.External, key string, err error) error {
	var ce *target.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	var errs []error
	for _, f := range ce.Fields {
		t := r.tableFor(cfg, key, f.Scope)
		line := t.Line
		where := t.Header
		if len(f.Path) > 0 {
			line = t.KeyLine(f.Path[0])
			where += " " + joinPath(f.Path)
		}
		if line == 0 { // the table is not in the file
			line = r.anyLine()
		}
		errs = append(errs, &config.Error{Path: cfg.Path, Line: line, Column: 1, Msg: where + ": " + f.Message})
	}
	return errors.Join(errs...)
}

// tableFor returns r's table of scope, or an empty one with its header
// when the file has none.
func (r *running) tableFor(cfg *config.External, key string, scope target.Scope) *config.Table {
	if scope == target.ScopeCheck {
		if r.check != nil {
			return r.check
		}
		return &config.Table{Path: cfg.Path, Header: fmt.Sprintf("[checks.%q.targets.%s]", key, r.name)}
	}
	if r.global != nil {
		return r.global
	}
	return &config.Table{Path: cfg.Path, Header: fmt.Sprintf("[targets.%s]", r.name)}
}

func (r *running) anyLine() int {
	if r.check != nil {
		return r.check.Line
	}
	return r.global.KeyLine("")
}

func joinPath(p []string) string {
	s := p[0]
	for _, k := range p[1:] {
		s += "." + k
	}
	return s
}

// Targets returns the number of targets that (may) apply, launched or
// launching.
func (h *Host) Targets() int { return len(h.targets) }

// Send gives e to every applied target at once and waits for all of their
// answers, at most the timeout from now (or ctx's sooner deadline); a
// target still starting counts against the same deadline, and each target
// takes its events one at a time, in the order they were handed over. It
// returns one Result per target that applies, in name order, and prints
// them (failures unless Quiet, the rest with Verbose).
func (h *Host) Send(ctx context.Context, e target.Event) []Result {
	return h.dispatch(ctx, e)()
}

// Post hands e to every applied target like Send but does not wait for
// the answers: it returns at once, with e's place in each target's queue
// taken, so an event sent later reaches each target after e. Close waits
// for deliveries in flight (each bounded by the timeout).
func (h *Host) Post(ctx context.Context, e target.Event) {
	wait := h.dispatch(ctx, e)
	h.posts.Go(func() { wait() })
}

// dispatch queues e for every target and returns a function that waits
// for the answers.
func (h *Host) dispatch(ctx context.Context, e target.Event) func() []Result {
	if len(h.targets) == 0 {
		return func() []Result { return nil }
	}
	ctx, cancel := context.WithTimeout(ctx, h.opts.Timeout)
	results := make([]*Result, len(h.targets))
	var wg sync.WaitGroup
	h.mu.Lock()
	for i, r := range h.targets {
		prev, done := r.last, make(chan struct{})
		r.last = done
		wg.Go(func() {
			defer close(done)
			results[i] = h.send(ctx, r, prev, e)
		})
	}
	h.mu.Unlock()
	return func() []Result {
		defer cancel()
		wg.Wait()
		var out []Result
		for _, res := range results {
			if res != nil {
				out = append(out, *res)
			}
		}
		return out
	}
}

// send delivers e to r once the previous event (prev, nil for none) is
// done; nil when r does not apply after all.
func (h *Host) send(ctx context.Context, r *running, prev <-chan struct{}, e target.Event) *Result {
	t0 := time.Now()
	res := &Result{Target: r.name}
	defer func() {
		if res != nil {
			h.report(e.Type, res)
		}
	}()
	select {
	case <-r.ready:
	case <-ctx.Done():
		res.Err, res.Latency = fmt.Errorf("plugin did not start within the external timeout (%s)", h.opts.Timeout), time.Since(t0)
		return res
	}
	h.mu.Lock()
	c, err, skip := r.client, r.err, r.skip
	h.mu.Unlock()
	switch {
	case skip:
		res = nil
		return nil
	case err != nil:
		res.Err = err
		return res
	case c == nil:
		res.Err = errors.New("closed")
		return res
	}
	if prev != nil {
		select {
		case <-prev:
		case <-ctx.Done():
			res.Err, res.Latency = fmt.Errorf("the previous event is still in flight after the external timeout (%s)", h.opts.Timeout), time.Since(t0)
			return res
		}
	}
	out, err := c.Send(ctx, e)
	res.Err, res.Message, res.Latency = err, out.Message, time.Since(t0)
	return res
}

// report prints res.
func (h *Host) report(kind target.EventType, res *Result) {
	if res.Err == nil {
		detail := ""
		if res.Message != "" {
			detail = " (" + res.Message + ")"
		}
		h.verbosef("External target %s: %s delivered in %s%s", res.Target, kind, ms(res.Latency), detail)
		return
	}
	var ce *config.Error
	if errors.As(res.Err, &ce) {
		return // printed when found
	}
	if !h.opts.Quiet {
		h.printf("Warning: external target %s: %s not delivered (%s): %v", res.Target, kind, ms(res.Latency), res.Err)
	}
}

// Close waits for Post's deliveries in flight, then kills every plugin the
// Host started, in parallel, and waits for them to exit. A plugin still
// starting is killed as soon as it has started (and dies with pakyas in
// any case).
// Close is idempotent; do not Send or Post after it.
func (h *Host) Close() {
	h.posts.Wait()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.cancel()
	var clients []*target.Client
	for _, r := range h.targets {
		if r.client != nil {
			clients = append(clients, r.client)
			r.client = nil
		}
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			// Every delivery has ended, so nothing is lost by not asking
			// the plugin to shut down: go-plugin's graceful path costs a
			// round trip and waits for the exit, up to 2 s for a plugin
			// stuck in a call.
			forceKill(c)
			c.Kill()
		})
	}
	wg.Wait()
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
	fmt.Fprintf(h.log, "[pakyas] "+format+"\n", args...)
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
