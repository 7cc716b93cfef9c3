package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/core/target/targettest"
)

// describeTimeout bounds starting and describing one plugin for list and
// info.
const describeTimeout = 5 * time.Second

// bundled are the targets shipped with pakyas, next to its executable.
var bundled = []string{"healthchecks", "cronitor", "webhook"}

func pluginCommand(e *env) *cli.Command {
	cfgFlag := &cli.StringFlag{Name: "external-config", Usage: "external monitors file (default: $XDG_CONFIG_HOME/pakyas/external_monitors.toml or ~/.config/pakyas/external_monitors.toml)"}
	return &cli.Command{
		Name:  "plugin",
		Usage: "target plugins: list the installed ones, describe one, check one against the plugin protocol",
		UsageText: `pakyas plugin list
pakyas plugin info NAME
pakyas plugin check NAME|PATH

A target plugin is an executable named pakyas-target-<name> serving
[targets.<name>] of external_monitors.toml. pakyas looks for it in
$PAKYAS_PLUGIN_DIR, ~/.config/pakyas/plugins/, the directory of the pakyas
executable, then $PATH; the first one found wins. docs/writing-a-target.md
says how to write one.

Example:
  pakyas plugin list && pakyas plugin check ./pakyas-target-jsonl`,
		Action: groupAction,
		Commands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list the installed target plugins, their versions and the checks they apply to",
				UsageText: "pakyas plugin list [--format json] [--external-config FILE]\n\nExample:\n  PAKYAS_PLUGIN_DIR=./bin pakyas plugin list",
				Flags:     []cli.Flag{cfgFlag},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return e.pluginList(ctx, cmd)
				},
			},
			{
				Name:      "info",
				Usage:     "describe one target plugin: version, protocol, configuration keys",
				UsageText: "pakyas plugin info NAME [--format json] [--external-config FILE]\n\nExample:\n  pakyas plugin info healthchecks",
				Flags:     []cli.Flag{cfgFlag},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return e.pluginInfo(ctx, cmd)
				},
			},
			{
				Name:  "check",
				Usage: "run the plugin conformance steps against a built plugin and say what to fix",
				UsageText: `pakyas plugin check NAME|PATH [--set KEY=VALUE]...

Runs the steps of core/target/targettest: handshake, describe, bad and good
configurations, start/success/fail events and the deadline. Configurations
are generated from the plugin's schema; keys that look like URLs point at a
local endpoint on 127.0.0.1, so no event leaves the machine. Exit code 1 when
a step fails.

Example:
  pakyas plugin check jsonl --set path=/tmp/events.jsonl`,
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "set", Usage: "KEY=VALUE for a configuration key, instead of the generated value (repeatable)"},
				},
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return e.pluginCheck(ctx, cmd)
				},
			},
		},
	}
}

// pluginRow is what list and info say about one plugin.
type pluginRow struct {
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

// externalConfig loads the external monitors file of --external-config or
// the default place. A missing default file is no configuration.
func (e *env) externalConfig(cmd *cli.Command) (*config.External, error) {
	path := strings.TrimSpace(cmd.String("external-config"))
	explicit := path != ""
	if !explicit {
		var err error
		if path, err = config.DefaultExternalPath(e.getenv); err != nil {
			return &config.External{}, nil
		}
	}
	return config.LoadExternal(path, explicit)
}

func (e *env) pluginList(ctx context.Context, cmd *cli.Command) error {
	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	cfg, err := e.externalConfig(cmd)
	if err != nil { // still list the plugins, without what applies where
		printError(e.stderr, fmt.Errorf("%w\nthe APPLIES TO column is empty until this is fixed", err))
		cfg = &config.External{}
	}
	dirs := external.SearchPath(e.getenv)
	found := external.Discover(dirs)
	rows := make([]pluginRow, len(found))
	var wg sync.WaitGroup
	for i, p := range found {
		wg.Go(func() { rows[i] = e.describePlugin(ctx, p, cfg, s.verbose) })
	}
	wg.Wait()
	for name := range cfg.Targets { // configured but not installed
		if !slices.ContainsFunc(found, func(p external.Plugin) bool { return p.Name == name }) {
			rows = append(rows, pluginRow{Name: name, AppliesTo: []string{}, Error: (&external.NotFoundError{Name: name, Dirs: dirs}).Error()})
		}
	}
	slices.SortFunc(rows, func(a, b pluginRow) int { return strings.Compare(a.Name, b.Name) })

	o := e.output(s)
	if o.json {
		return o.JSON(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintf(e.stdout, "No target plugins installed.\nhint: put pakyas-target-<name> executables in $%s or %s\n",
			external.PluginDirEnv, "~/.config/pakyas/plugins/")
		return nil
	}
	t := &console.Table{Head: []string{"NAME", "VERSION", "PROTOCOL", "BUNDLED", "APPLIES TO", "PATH"}}
	for _, r := range rows {
		version, proto, bundledText, path := r.Version, "", "no", r.Path
		if r.ProtocolVersion > 0 {
			proto = fmt.Sprint(r.ProtocolVersion)
		}
		if r.Bundled {
			bundledText = "yes"
		}
		if !r.Installed {
			path, version = "(not installed)", "-"
		} else if r.Error != "" {
			version, proto = "?", "?"
		}
		t.Add(console.Cell{Text: r.Name}, console.Cell{Text: version}, console.Cell{Text: proto}, console.Cell{Text: bundledText},
			console.Cell{Text: appliesText(r.AppliesTo)}, console.Cell{Text: path})
	}
	o.table(t)
	for _, r := range rows {
		if r.Error != "" {
			console.Warn(e.stderr, fmt.Sprintf("plugin %s: %s", r.Name, r.Error), "")
		}
	}
	return nil
}

func appliesText(a []string) string {
	if len(a) == 0 {
		return "-"
	}
	return strings.Join(a, ", ")
}

// describePlugin verifies, launches and describes p.
func (e *env) describePlugin(ctx context.Context, p external.Plugin, cfg *config.External, verbose bool) pluginRow {
	r := pluginRow{Name: p.Name, Path: p.Path, Source: p.Source, Installed: true, Shadowed: p.Shadowed,
		Bundled: p.Source == external.SourceExecutable && slices.Contains(bundled, p.Name), AppliesTo: []string{}}
	pin := ""
	if t := cfg.Targets[p.Name]; t != nil {
		pin, _ = t.Values[external.ChecksumKey].(string)
	}
	if err := external.Verify(p.Path, pin); err != nil {
		r.Error = err.Error()
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	c, err := target.Launch(ctx, p.Path, target.LaunchOptions{Verbose: verbose, Stderr: &lockedWriter{w: e.stderr}})
	if err != nil {
		r.Error = diagnoseLaunch(ctx, p.Path, err)
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

// diagnoseLaunch explains a plugin that would not start: the conformance
// suite's handshake probe says what is wrong in terms of what to fix
// (another protocol version, output on stdout, a missing magic cookie).
func diagnoseLaunch(ctx context.Context, path string, err error) string {
	if _, perr := targettest.Probe(ctx, path); perr != nil {
		return perr.Error()
	}
	return err.Error()
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

// lockedWriter serializes the writes of plugins' logs.
type lockedWriter struct {
	mu sync.Mutex
	w  interface{ Write([]byte) (int, error) }
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// findPlugin resolves NAME (searched like pakyas does) or a PATH (it has
// a path separator, or is an existing file).
func (e *env) findPlugin(arg string) (external.Plugin, error) {
	if strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator) {
		abs, err := filepath.Abs(arg)
		if err != nil {
			return external.Plugin{}, err
		}
		if _, err := os.Stat(abs); err != nil {
			return external.Plugin{}, withCode(exitNotFound, fmt.Sprintf("no plugin at %s: %v", arg, err), "build it first, e.g. go build -o "+arg+" .")
		}
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(abs), external.Prefix), ".exe")
		return external.Plugin{Name: name, Path: abs, Source: "path"}, nil
	}
	p, err := external.Find(external.SearchPath(e.getenv), arg)
	if external.IsNotFound(err) {
		return external.Plugin{}, &codeError{code: exitNotFound, err: &core.Error{Code: core.ENOTFOUND, Message: err.Error(),
			Hint: "see 'pakyas plugin list'; or give the plugin's path, e.g. ./" + external.Prefix + arg}}
	}
	return p, err
}

func pluginArg(cmd *cli.Command) (string, error) {
	if cmd.Args().Len() != 1 {
		return "", &usageError{msg: "want one plugin NAME or PATH", hint: fmt.Sprintf("see '%s --help'", cmd.FullName())}
	}
	return cmd.Args().First(), nil
}
