package external

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/core/target/targettest"
)

// running is one target plugin of the Host.
type running struct {
	name          string
	global, check *config.Table
	// tentative: only a global table; the target applies to every check
	// unless its schema needs per-check keys.
	tentative bool

	ready  chan struct{} // closed once launched and configured, or failed
	client *target.Client
	err    error // why it cannot take events
	// errSaid: err was reported with an event; later events refer to it
	// rather than repeat it.
	errSaid bool
	skip    bool          // tentative, and it needs per-check keys
	last    chan struct{} // closed when the last event queued is done
	// hung: a call ran out of time, or the plugin died; kill it rather
	// than ask it to shut down (go-plugin would wait 2 s for it).
	hung bool
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
		// The user must fix the file, whatever -q says. One line per
		// error: printf escapes a newline, and errors.Join puts one
		// between the errors of a table.
		for _, e := range joined(err) {
			h.printf("%v", e)
		}
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
	sock, err := h.socketDir()
	if err != nil {
		return nil, err
	}
	c, err := target.Launch(ctx, p.Path, target.LaunchOptions{StartTimeout: h.opts.Timeout, Verbose: h.opts.Verbose, Debug: h.opts.Debug, Stderr: h.log, SocketDir: sock})
	if err != nil {
		// go-plugin's message is generic and long; the handshake probe
		// (the one `plugin check` runs) says in one line what to fix.
		if _, perr := targettest.Probe(ctx, p.Path); perr != nil {
			return nil, fmt.Errorf("start plugin %s: %v", p.Path, oneLine(perr.Error()))
		}
		return nil, fmt.Errorf("start plugin: %v", oneLine(err.Error()))
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
	valid, err := r.validate(h.opts.Config, h.opts.Key, info.Schema)
	if err != nil {
		return err
	}
	if err := c.Configure(ctx, valid); err != nil {
		return r.configError(h.opts.Config, h.opts.Key, err)
	}
	return nil
}

// validate checks r's tables for the check key against schema, and
// returns the configuration to give the plugin, or *config.Error values
// (errors.Join) with the file's lines.
func (r *running) validate(file *config.External, key string, schema target.ConfigSchema) (target.Config, error) {
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
	valid, err := schema.Validate(cfg)
	if err != nil {
		return target.Config{}, r.configError(file, key, err)
	}
	return valid, nil
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

// configError turns a *target.ConfigError into *config.Error values, one a
// field (errors.Join), naming the file, the line, the table and the key;
// other errors pass through.
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
		// The SDK's messages name tables in general; here both names are known.
		msg := strings.NewReplacer(`"<key>"`, strconv.Quote(key), "<name>", r.name).Replace(f.Message)
		errs = append(errs, &config.Error{Path: cfg.Path, Line: line, Column: 1, Msg: where + ": " + msg})
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

// joined returns the errors err joins (errors.Join, nested too), or err.
func joined(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, joined(e)...)
	}
	return out
}

// oneLine joins a multi-line message into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
