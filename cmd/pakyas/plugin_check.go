package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/core/target/targettest"
)

func (e *env) pluginInfo(ctx context.Context, cmd *cli.Command) error {
	arg, err := pluginArg(cmd)
	if err != nil {
		return err
	}
	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	cfg, err := e.externalConfig(cmd)
	if err != nil {
		return err
	}
	p, err := e.findPlugin(arg)
	if err != nil {
		return err
	}
	r := e.describePlugin(ctx, p, cfg, s.verbose)
	if r.Error != "" {
		return withCode(exitError, fmt.Sprintf("plugin %s: %s", p.Name, r.Error), fmt.Sprintf("'pakyas plugin check %s' runs every conformance step", arg))
	}
	sum, _ := external.FileSHA256(p.Path)
	o := e.output(s)
	if o.json {
		type field struct {
			Key         string `json:"key"`
			Type        string `json:"type"`
			Scope       string `json:"scope"`
			Required    bool   `json:"required"`
			Secret      bool   `json:"secret"`
			Description string `json:"description"`
		}
		fields := []field{}
		for _, f := range r.Schema {
			fields = append(fields, field{f.Key, string(f.Type), string(f.Scope), f.Required, f.Secret, f.Description})
		}
		return o.JSON(struct {
			pluginRow
			SHA256 string  `json:"sha256"`
			Config []field `json:"config"`
		}{r, sum, fields})
	}
	bundledText := "no"
	if r.Bundled {
		bundledText = "yes"
	}
	o.printf("Name:        %s\nVersion:     %s\nProtocol:    %d\nPath:        %s (%s)\nBundled:     %s\nSHA-256:     %s\nApplies to:  %s\n",
		r.Name, r.Version, r.ProtocolVersion, r.Path, r.Source, bundledText, sum, appliesText(r.AppliesTo))
	for _, sh := range r.Shadowed {
		o.printf("Hides:       %s\n", sh)
	}
	if len(r.Schema) == 0 {
		o.printf("\nThis target takes no configuration keys.\n")
		return nil
	}
	o.printf("\nConfiguration:\n")
	t := &console.Table{Indent: "  ", Head: []string{"KEY", "TYPE", "TABLE", "REQUIRED", "DESCRIPTION"}}
	for _, f := range r.Schema {
		req := "no"
		if f.Required {
			req = "yes"
		}
		t.AddText(f.Key, string(f.Type), tableHeader(f.Scope, r.Name), req, f.Description)
	}
	o.table(t)
	o.printf("\nExample (%s):\n%s", "external_monitors.toml", exampleTOML(r.Name, r.Schema))
	return nil
}

func tableHeader(scope target.Scope, name string) string {
	if scope == target.ScopeCheck {
		return `[checks."<key>".targets.` + name + "]"
	}
	return "[targets." + name + "]"
}

// exampleTOML is a configuration skeleton with the required keys.
func exampleTOML(name string, fields []target.Field) string {
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
		fmt.Fprintf(&b, "  %s\n%s", strings.Replace(tableHeader(scope, name), "<key>", "backup-db", 1), strings.Join(keys, ""))
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

func (e *env) pluginCheck(ctx context.Context, cmd *cli.Command) error {
	arg, err := pluginArg(cmd)
	if err != nil {
		return err
	}
	set := map[string]string{}
	for _, kv := range cmd.StringSlice("set") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return usagef("--set %q: want KEY=VALUE, e.g. --set path=/tmp/events.jsonl", kv)
		}
		set[strings.TrimSpace(k)] = v
	}
	p, err := e.findPlugin(arg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Checking %s (%s)\n", p.Name, p.Path)
	results := []targettest.Result{{Step: "permissions", Status: targettest.Pass, Message: "not writable by other users"}}
	if err := external.Verify(p.Path, ""); err != nil {
		results[0].Status, results[0].Message = targettest.Fail, err.Error()
	}
	verbose := cmd.Bool("verbose")
	results = append(results, targettest.Check(ctx, targettest.Config{Binary: p.Path, FromSchema: true, Set: set,
		Verbose: verbose, Stderr: &lockedWriter{w: e.stderr}})...)

	failed := 0
	for _, r := range results {
		if r.Status == targettest.Fail {
			failed++
		}
		fmt.Fprintf(e.stdout, "%-4s  %-12s  %s\n", r.Status, r.Step, console.Line(r.Message))
	}
	if failed > 0 {
		return &codeError{code: exitError, err: &core.Error{Code: core.EINVALID,
			Message: fmt.Sprintf("plugin %s failed %d of %d checks", p.Name, failed, len(results)),
			Hint:    "fix the first FAIL above, rebuild the plugin and run this again; docs/writing-a-target.md describes the protocol"}}
	}
	fmt.Fprintf(e.stdout, "All %d checks passed.\n", len(results))
	return nil
}
