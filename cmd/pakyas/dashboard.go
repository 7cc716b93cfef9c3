package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core/console"
)

func dashboardCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "dashboard",
		Usage: "open the web dashboard: a sign-in link for your user, valid 10 minutes, usable once",
		UsageText: `pakyas dashboard [--no-browser]

The link is printed as the last line of stdout (with --format json:
{"url": ..., "expires_at": ...}); without --no-browser it is also opened
in the default browser.

Examples:
  pakyas dashboard
  pakyas dashboard --no-browser   # on a server: open the link on your laptop`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-browser", Usage: "only print the sign-in link"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			s, c, _, err := e.account(ctx, cmd)
			if err != nil {
				return err
			}
			l, err := c.DashboardLink(ctx)
			if err != nil {
				return err
			}
			if !cmd.Bool("no-browser") {
				if err := console.OpenBrowser(l.URL); err != nil {
					console.Warn(e.stderr, fmt.Sprintf("could not open a browser (%v)", err), "open the link below yourself; it works once, for 10 minutes")
				}
			}
			return e.output(s).show(l, func(o *output) { o.printf("%s\n", l.URL) })
		},
	}
}
