package external

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/target"
)

// TestOutput is the output a test event carries.
const TestOutput = "pakyas plugin test: a test event, not a real run"

// TestTarget sends one success event, marked as a test in its output,
// through the target name exactly as opts.Config configures it for the
// check opts.Key, and returns the result. It is ENOTFOUND when the file
// has no [targets.<name>] table, and EINVALID when the target does not
// apply to that check (it needs a per-check key the check has no table
// for). A result with Err set means the service did not take the event.
func TestTarget(ctx context.Context, opts Options, name string) (Result, error) {
	cfg := opts.Config
	if cfg == nil || !cfg.Found || !slices.Contains(cfg.TargetsFor(opts.Key), name) {
		path := ""
		if cfg != nil {
			path = cfg.Path
		}
		return Result{}, core.Errorf(core.ENOTFOUND, "no [targets.%s] table in %s", name, path).
			WithHint("add one (pakyas plugin info %s prints a skeleton), or pass --external-config FILE", name)
	}
	opts.Only = name
	h := Start(ctx, opts)
	defer h.Close()
	host, _ := os.Hostname()
	out := h.Send(ctx, target.Event{CheckIdentifier: opts.Key, Type: target.Success, ExitCode: new(0),
		Timestamp: time.Now().UTC(), Host: host, Output: TestOutput})
	if len(out) == 0 {
		return Result{}, core.Errorf(core.EINVALID, "target %s does not apply to check %q: it needs a per-check key and there is no [checks.%q.targets.%s] table", name, opts.Key, opts.Key, name).
			WithHint("pass --check with the key of a check that has a table for it (pakyas plugin list shows which)")
	}
	return out[0], nil
}

// UserConfig checks what file says for the target name against its
// plugin: the plugin's pin and permissions (Verify), and the global table
// with every check's table against the schema, with file and line. It
// returns one line per table that is right and the problems; no problems
// and no lines when file has no table for name.
func UserConfig(ctx context.Context, p Plugin, file *config.External, verbose bool, stderr io.Writer) (ok []string, problems []error) {
	global := file.Targets[p.Name]
	var keys []string
	for key, ts := range file.Checks {
		if ts[p.Name] != nil {
			keys = append(keys, key)
		}
	}
	if global == nil && len(keys) == 0 {
		return nil, nil
	}
	sum := Describe(ctx, p, file, verbose, stderr) // verifies the pin first
	if sum.Error != "" {
		return nil, []error{fmt.Errorf("%s: %s", file.Path, sum.Error)}
	}
	schema := target.ConfigSchema{Fields: sum.Schema}
	slices.Sort(keys)
	if len(keys) == 0 {
		keys = []string{""}
	}
	for _, key := range keys {
		r := &running{name: p.Name, global: global, check: file.Checks[key][p.Name]}
		if r.global == nil {
			r.global = &config.Table{Path: file.Path, Header: "[targets." + p.Name + "]"}
		}
		where := r.global.Header
		if r.check != nil {
			where = r.check.Header
		}
		if _, err := r.validate(file, key, schema); err != nil {
			problems = append(problems, err)
			continue
		}
		ok = append(ok, fmt.Sprintf("%s matches the plugin's schema", where))
	}
	return ok, problems
}
