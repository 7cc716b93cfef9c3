package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/external"
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
	cfg, err := external.LoadConfig(cmd.String("external-config"), e.getenv)
	if err != nil {
		return err
	}
	p, err := external.Locate(external.SearchPath(e.getenv), arg)
	if err != nil {
		return err
	}
	r := external.Describe(ctx, p, cfg, s.verbose, e.stderr)
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
			external.Summary
			SHA256 string  `json:"sha256"`
			Config []field `json:"config"`
		}{r, sum, fields})
	}
	o.printf("Name:        %s\nVersion:     %s\nProtocol:    %d\nPath:        %s (%s)\nBundled:     %s\nSHA-256:     %s\nApplies to:  %s\n",
		r.Name, r.Version, r.ProtocolVersion, r.Path, r.Source, yesNo(r.Bundled), sum, appliesText(r.AppliesTo))
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
		t.AddText(f.Key, string(f.Type), external.TableHeader(f.Scope, r.Name), yesNo(f.Required), f.Description)
	}
	o.table(t)
	o.printf("\nExample (%s):\n", "external_monitors.toml")
	o.printf("%s", console.Painted(console.Text(external.Skeleton(r.Name, r.Schema))))
	return nil
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
	p, err := external.Locate(external.SearchPath(e.getenv), arg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Checking %s (%s)\n", p.Name, p.Path)
	results := external.Conformance(ctx, p, set, cmd.Bool("verbose"), e.stderr)

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
