//go:build !thin

package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/view/pluginview"
)

func pluginCommand(e *env) *cli.Command {
	cfgFlag := &cli.StringFlag{Name: "external-config", Usage: "external monitors file (default: $XDG_CONFIG_HOME/pakyas/external_monitors.toml or ~/.config/pakyas/external_monitors.toml)"}
	return &cli.Command{
		Name:  "plugin",
		Usage: "target plugins: list the installed ones, describe one, check one against the plugin protocol",
		UsageText: `pakyas plugin list
pakyas plugin info NAME
pakyas plugin check NAME|PATH
pakyas plugin test NAME [--check KEY]

A target plugin is an executable named pakyas-target-<name> serving
[targets.<name>] of external_monitors.toml. pakyas looks for it in
$PAKYAS_PLUGIN_DIR, ~/.config/pakyas/plugins/, the directory of the pakyas
executable, then $PATH; the first one found wins. docs/writing-a-target.md
says how to write one.

Example:
  pakyas plugin list && pakyas plugin check ./pakyas-target-jsonl`,
		Action: groupAction,
		Commands: []*cli.Command{
			leaf("list", "list the installed target plugins, their versions and the checks they apply to",
				"pakyas plugin list [--format json] [--external-config FILE]\n\nExample:\n  PAKYAS_PLUGIN_DIR=./bin pakyas plugin list",
				e.pluginList, cfgFlag),
			leaf("test", "send a test event through a target, as external_monitors.toml configures it for a check",
				"pakyas plugin test NAME [--check KEY] [--external-config FILE]\n\nSends one success event (its output says it is a test) and prints the result and latency; exit 1 when the service did not take it.\n\nExample:\n  pakyas plugin test healthchecks --check backup-db",
				e.pluginTest, cfgFlag, &cli.StringFlag{Name: "check", Value: "plugin-test", Usage: "the check key whose [checks.\"KEY\".targets.NAME] table to use (a slug or public ID)"}),
			leaf("info", "describe one target plugin: version, protocol, configuration keys",
				"pakyas plugin info NAME [--format json] [--external-config FILE]\n\nExample:\n  pakyas plugin info healthchecks",
				e.pluginInfo, cfgFlag),
			{
				Name:  "check",
				Usage: "run the plugin conformance steps against a built plugin and say what to fix",
				UsageText: `pakyas plugin check NAME|PATH [--set KEY=VALUE]...

Runs the steps of core/target/targettest: handshake, describe, bad and good
configurations, start/success/fail events and the deadline. Configurations
are generated from the plugin's schema; keys that look like URLs point at a
local endpoint on 127.0.0.1, so no event leaves the machine. Then, when
external_monitors.toml configures the target, it checks your configuration
too: the sha256 pin and the binary's permissions, and the global table and
every check's table against the plugin's schema, with file and line. Exit
code 1 when a step or your configuration fails.

Example:
  pakyas plugin check jsonl --set path=/tmp/events.jsonl`,
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "set", Usage: "KEY=VALUE for a configuration key, instead of the generated value (repeatable)"},
					cfgFlag,
				},
				Action: e.pluginCheck,
			},
		},
	}
}

func (e *env) pluginList(ctx context.Context, cmd *cli.Command) error {
	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	cfg, err := config.LoadExternalAt(cmd.String("external-config"), e.getenv)
	if err != nil { // still list the plugins, without what applies where
		console.Error(e.stderr, err.Error(), "the APPLIES TO column is empty until this is fixed")
		cfg = &config.External{}
	}
	rows := external.Inventory(ctx, external.SearchPath(e.getenv), cfg, s.verbose, e.stderr)
	o := e.output(s)
	if o.json {
		return o.JSON(rows)
	}
	if len(rows) == 0 {
		o.printf("No target plugins installed.\nhint: put pakyas-target-<name> executables in $%s or %s\n",
			external.PluginDirEnv, "~/.config/pakyas/plugins/")
		return nil
	}
	pluginview.Plugins(&o.Printer, rows)
	for _, r := range rows {
		if r.Error != "" {
			console.Warn(e.stderr, fmt.Sprintf("plugin %s: %s", r.Name, r.Error), "")
		}
	}
	return nil
}

func pluginArg(cmd *cli.Command) (string, error) {
	if cmd.Args().Len() != 1 {
		return "", &usageError{msg: "want one plugin NAME or PATH", hint: fmt.Sprintf("see '%s --help'", cmd.FullName())}
	}
	return cmd.Args().First(), nil
}
