package main

import (
	"context"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/urfave/cli/v3"
)

func loginCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "login",
		Usage: "check an API key with the server and save it (and the server URL) in config.toml",
		UsageText: `pakyas login --api-key KEY [--api-url URL]

The key is verified before it is saved; config.toml is written with mode 0600.

Examples:
  pakyas login --api-key pk_live_your_api_key_here
  pakyas login --api-url http://127.0.0.1:8484 --api-key pk_live_your_api_key_here`,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Present() {
				return usagef("login takes no arguments: pass the key with --api-key KEY")
			}
			s, err := e.settings(cmd)
			if err != nil {
				return err
			}
			if !cmd.IsSet("api-key") || cmd.String("api-key") == "" {
				return usagef("pass the key to log in with: pakyas login --api-key pk_live_your_key")
			}
			_, m, err := e.me(ctx, s)
			if err != nil {
				return err
			}
			err = s.Save(func(c *config.Config) {
				c.Org, c.Project = resolve.AfterLogin(m, c.APIURL == s.APIURL.Value, c.Org, c.Project)
				c.APIURL, c.APIKey = s.APIURL.Value, s.APIKey.Value
			})
			if err != nil {
				return err
			}
			s.Org = config.Setting{Value: s.File.Org, Source: config.FromFile}
			s.Project = config.Setting{Value: s.File.Project, Source: config.FromFile}
			return e.output(s).show(whoami(s, m), func(o *output) {
				o.printf("Logged in to %s as %s.\n", s.APIURL.Value, m.User.Email)
				o.printf("Saved the API key in %s.\n", s.Path)
				if _, p, err := s.selectProject(m); err == nil {
					o.printf("Project: %s\n", p.Name)
				} else {
					o.printf("Next: pick a project with 'pakyas project list' and 'pakyas project switch NAME'.\n")
				}
			})
		},
	}
}

func logoutCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "logout",
		Usage:     "remove the saved API key from config.toml",
		UsageText: "pakyas logout\n\nExample:\n  pakyas logout",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			s, err := e.settings(cmd)
			if err != nil {
				return err
			}
			res := logoutResult{LoggedOut: true, RemovedKey: s.File.APIKey != "", Config: s.Path}
			if res.RemovedKey {
				if err := s.Save(func(c *config.Config) { c.APIKey = "" }); err != nil {
					return err
				}
			}
			err = e.output(s).show(res, func(o *output) {
				if res.RemovedKey {
					o.printf("Logged out: removed the API key from %s.\n", s.Path)
				} else {
					o.printf("Not logged in: %s holds no API key.\n", s.Path)
				}
			})
			if e.getenv("PAKYAS_API_KEY") != "" {
				console.Warn(e.stderr, "PAKYAS_API_KEY is still set in your environment", "unset it to log out completely: unset PAKYAS_API_KEY")
			}
			return err
		},
	}
}

// logoutResult is what `pakyas logout` prints with --format json.
type logoutResult struct {
	LoggedOut  bool   `json:"logged_out"`  // config.toml holds no API key now
	RemovedKey bool   `json:"removed_key"` // false: it held none
	Config     string `json:"config"`      // the path of config.toml
}

func whoami(s *settings, m *api.Me) resolve.Context {
	return resolve.Current(s.APIURL.Value, m, s.Org, s.Project)
}

func whoamiCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "whoami",
		Usage: "show the user, organization and project pakyas works with",
		UsageText: `pakyas whoami

Example:
  pakyas whoami
  # User: you@example.com
  # Organization: My Company
  # Project: Production`,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			s, _, m, err := e.account(ctx, cmd)
			if err != nil {
				return err
			}
			w := whoami(s, m)
			return e.output(s).show(w, func(o *output) {
				o.printf("User: %s\n", m.User.Email)
				if w.Organization != nil {
					o.printf("Organization: %s\n", w.Organization.Name)
				} else {
					o.printf("Organization: none selected (pakyas org switch NAME)\n")
				}
				if w.Project != nil {
					o.printf("Project: %s\n", w.Project.Name)
				} else {
					o.printf("Project: none selected (pakyas project switch NAME)\n")
				}
				if s.verbose {
					o.printf("Server: %s\nConfig: %s\n", s.APIURL.Value, s.Path)
				}
			})
		},
	}
}
