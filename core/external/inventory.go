package external

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/core/target/targettest"
)

// DescribeTimeout bounds starting and describing one plugin for
// `pakyas plugin list` and `info`.
const DescribeTimeout = 5 * time.Second

// Bundled are the targets shipped with pakyas, next to its executable.
var Bundled = []string{"healthchecks", "cronitor", "webhook"}

// Summary is what `pakyas plugin list` and `info` say about one plugin.
type Summary struct {
	Name            string         `json:"name"`
	Path            string         `json:"path,omitempty"`
	Source          string         `json:"source,omitempty"`
	Version         string         `json:"version,omitempty"`
	ProtocolVersion int            `json:"protocol_version,omitempty"`
	Bundled         bool           `json:"bundled"`
	Installed       bool           `json:"installed"`
	AppliesTo       []string       `json:"applies_to"`
	Shadowed        []string       `json:"shadowed,omitempty"`
	Error           string         `json:"error,omitempty"`
	Schema          []target.Field `json:"-"`
}

// Inventory describes every plugin found in dirs (in parallel), and every
// target cfg configures that is not installed, sorted by name. Plugins'
// logs go to stderr.
func Inventory(ctx context.Context, dirs []Dir, cfg *config.External, verbose bool, stderr io.Writer) []Summary {
	found := Discover(dirs)
	out := make([]Summary, len(found))
	log := locked(stderr)
	var wg sync.WaitGroup
	for i, p := range found {
		wg.Go(func() { out[i] = Describe(ctx, p, cfg, verbose, log) })
	}
	wg.Wait()
	for name := range cfg.Targets {
		if !slices.ContainsFunc(found, func(p Plugin) bool { return p.Name == name }) {
			out = append(out, Summary{Name: name, AppliesTo: []string{}, Error: (&NotFoundError{Name: name, Dirs: dirs}).Error()})
		}
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Describe verifies, launches and describes p: its version, protocol,
// schema and the checks of cfg it applies to. What went wrong is in
// Summary.Error, said in terms of what to fix.
func Describe(ctx context.Context, p Plugin, cfg *config.External, verbose bool, stderr io.Writer) Summary {
	r := Summary{Name: p.Name, Path: p.Path, Source: p.Source, Installed: true, Shadowed: p.Shadowed,
		Bundled: p.Source == SourceExecutable && slices.Contains(Bundled, p.Name), AppliesTo: []string{}}
	pin := ""
	if t := cfg.Targets[p.Name]; t != nil {
		pin, _ = t.Values[ChecksumKey].(string)
	}
	if err := Verify(p.Path, pin); err != nil {
		r.Error = err.Error()
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, DescribeTimeout)
	defer cancel()
	c, err := target.Launch(ctx, p.Path, target.LaunchOptions{Verbose: verbose, Stderr: stderr})
	if err != nil {
		// The conformance suite's handshake probe says what is wrong in
		// terms of what to fix (another protocol version, output on
		// stdout, a missing magic cookie).
		r.Error = err.Error()
		if _, perr := targettest.Probe(ctx, p.Path); perr != nil {
			r.Error = perr.Error()
		}
		return r
	}
	defer c.Kill()
	info, err := c.Describe(ctx)
	if err != nil {
		r.Error = fmt.Sprintf("%v; run 'pakyas plugin check %s'", err, p.Name)
		return r
	}
	r.Version, r.ProtocolVersion, r.Schema = info.Version, info.ProtocolVersion, info.Schema.Fields
	r.AppliesTo = appliesTo(cfg, p.Name, info.Schema)
	return r
}

// appliesTo lists the checks target name applies to under cfg: those with
// a table for it; or, when no check has one, every check, provided it
// needs no per-check key and has a global table.
func appliesTo(cfg *config.External, name string, schema target.ConfigSchema) []string {
	var keys []string
	for key, ts := range cfg.Checks {
		if _, ok := ts[name]; ok {
			keys = append(keys, key)
		}
	}
	if len(keys) > 0 {
		slices.Sort(keys)
		return keys
	}
	if _, ok := cfg.Targets[name]; !ok {
		return []string{}
	}
	for _, f := range schema.Fields {
		if f.Scope == target.ScopeCheck && f.Required {
			return []string{}
		}
	}
	return []string{"all checks"}
}

// Locate returns the plugin arg names: a path (it holds a path
// separator), or a name searched for in dirs as pakyas does.
func Locate(dirs []Dir, arg string) (Plugin, error) {
	if strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator) {
		abs, err := filepath.Abs(arg)
		if err != nil {
			return Plugin{}, err
		}
		if _, err := os.Stat(abs); err != nil {
			return Plugin{}, &core.Error{Code: core.ENOTFOUND, Message: fmt.Sprintf("no plugin at %s: %v", arg, err),
				Hint: "build it first, e.g. go build -o " + arg + " ."}
		}
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(abs), Prefix), ".exe")
		return Plugin{Name: name, Path: abs, Source: "path"}, nil
	}
	p, err := Find(dirs, arg)
	if IsNotFound(err) {
		return Plugin{}, &core.Error{Code: core.ENOTFOUND, Message: err.Error(), Err: err,
			Hint: "see 'pakyas plugin list'; or give the plugin's path, e.g. ./" + Prefix + arg}
	}
	return p, err
}

// Conformance runs `pakyas plugin check`: the binary's permissions, then
// every step of the conformance suite (targettest) with configurations
// generated from its schema, set overriding keys.
func Conformance(ctx context.Context, p Plugin, set map[string]string, verbose bool, stderr io.Writer) []targettest.Result {
	results := []targettest.Result{{Step: "permissions", Status: targettest.Pass, Message: "not writable by other users"}}
	if err := Verify(p.Path, ""); err != nil {
		results[0].Status, results[0].Message = targettest.Fail, err.Error()
	}
	return append(results, targettest.Check(ctx, targettest.Config{Binary: p.Path, FromSchema: true, Set: set,
		Verbose: verbose, Stderr: locked(stderr)})...)
}

// TableHeader is the TOML table a key of scope lives in for target name.
func TableHeader(scope target.Scope, name string) string {
	if scope == target.ScopeCheck {
		return `[checks."<key>".targets.` + name + "]"
	}
	return "[targets." + name + "]"
}

// Skeleton is an external_monitors.toml skeleton for target name: its
// required keys, and its optional ones commented out.
func Skeleton(name string, fields []target.Field) string {
	var b strings.Builder
	for _, scope := range []target.Scope{target.ScopeGlobal, target.ScopeCheck} {
		var keys []string
		for _, f := range fields {
			switch {
			case f.Scope != scope:
			case f.Required:
				keys = append(keys, fmt.Sprintf("  %s = %s\n", f.Key, exampleValue(f.Type)))
			default:
				keys = append(keys, fmt.Sprintf("  # %s = %s  (optional)\n", f.Key, exampleValue(f.Type)))
			}
		}
		if len(keys) == 0 && scope == target.ScopeCheck {
			continue
		}
		fmt.Fprintf(&b, "  %s\n%s", strings.Replace(TableHeader(scope, name), "<key>", "backup-db", 1), strings.Join(keys, ""))
	}
	return b.String()
}

func exampleValue(t target.FieldType) string {
	switch t {
	case target.TypeInt:
		return "0"
	case target.TypeBool:
		return "false"
	case target.TypeStringMap:
		return "{}"
	}
	return `"..."`
}

// locked returns w made safe for the plugins' concurrent log writes.
func locked(w io.Writer) io.Writer {
	if lw, ok := w.(*lockedWriter); ok {
		return lw
	}
	if w == nil {
		w = io.Discard
	}
	return &lockedWriter{w: w}
}
