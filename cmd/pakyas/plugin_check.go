//go:build !thin

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/view/pluginview"
)

// pluginContext reads what the plugin commands that use a configuration
// share: the NAME argument, the settings and external_monitors.toml.
func (e *env) pluginContext(cmd *cli.Command) (string, *settings, *config.External, error) {
	arg, err := pluginArg(cmd)
	if err != nil {
		return "", nil, nil, err
	}
	s, err := e.settings(cmd)
	if err != nil {
		return "", nil, nil, err
	}
	cfg, err := config.LoadExternalAt(cmd.String("external-config"), e.getenv)
	return arg, s, cfg, err
}

func (e *env) pluginInfo(ctx context.Context, cmd *cli.Command) error {
	arg, s, cfg, err := e.pluginContext(cmd)
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
	info := pluginview.NewPluginInfo(r, sum)
	return e.output(s).show(info, func(o *output) { pluginview.Plugin(&o.Printer, info) })
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
	if failed := pluginview.Conformance(&console.Printer{W: e.stdout}, results); failed > 0 {
		return &codeError{code: exitError, err: &core.Error{Code: core.EINVALID,
			Message: fmt.Sprintf("plugin %s failed %d of %d checks", p.Name, failed, len(results)),
			Hint:    "fix the first FAIL above, rebuild the plugin and run this again; docs/writing-a-target.md describes the protocol"}}
	}
	// Then the user's own configuration of the target, if any.
	cfg, err := config.LoadExternalAt(cmd.String("external-config"), e.getenv)
	if err != nil {
		return err
	}
	good, problems := external.UserConfig(ctx, p, cfg, cmd.Bool("verbose"), e.stderr)
	for _, line := range good {
		fmt.Fprintf(e.stdout, "PASS  your config: %s\n", line)
	}
	for _, err := range problems {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(e.stdout, "FAIL  your config: %s\n", console.Line(line))
		}
	}
	if len(problems) > 0 {
		return withCode(exitError, fmt.Sprintf("the plugin passes, but your configuration of %s in %s does not", p.Name, cfg.Path),
			"fix the lines named above; pakyas plugin info "+p.Name+" lists the keys")
	}
	return nil
}

func (e *env) pluginTest(ctx context.Context, cmd *cli.Command) error {
	name, s, cfg, err := e.pluginContext(cmd)
	if err != nil {
		return err
	}
	key := cmd.String("check")
	res, err := external.TestTarget(ctx, external.Options{Config: cfg, Key: key, Dirs: external.SearchPath(e.getenv),
		Verbose: s.verbose, Quiet: true, Log: e.stderr}, name)
	if err != nil {
		return err
	}
	if res.Err != nil {
		// Several errors (each config problem of the target) on one
		// line, apart.
		why := strings.ReplaceAll(res.Err.Error(), "\n", "; ")
		return withCode(exitError, fmt.Sprintf("%s did not take the test event for %q (after %s): %s", name, key, res.Latency.Round(time.Millisecond), why),
			fmt.Sprintf("'pakyas -v plugin test %s' shows the plugin's own log", name))
	}
	fmt.Fprintf(e.stdout, "Delivered a test event for %q through %s in %s: %s\n", key, name, res.Latency.Round(time.Millisecond), res.Message)
	return nil
}
