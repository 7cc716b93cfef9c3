//go:build !thin && !noserver

package main

import (
	"context"
	"fmt"
	"log"
	"path/filepath"
	"time"

	"github.com/pakyas/pakyas/core/alert"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/urfave/cli/v3"
)

// handOffWhole is where a partial build hands the commands this complete
// one answers whole (handoff.go); this executable answers them itself.
func (e *env) handOffWhole([]string, string, int) {}

func dataDirFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "data-dir",
		Usage:   "directory of the server's SQLite database (default: $XDG_DATA_HOME/pakyas or ~/.local/share/pakyas)",
		Sources: cli.EnvVars("PAKYAS_DATA_DIR"),
	}
}

func databaseURLFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "database-url",
		Usage:   "keep the data in this PostgreSQL database (postgres://USER:PASSWORD@HOST:5432/DB) instead of SQLite in --data-dir; several servers may share it",
		Sources: cli.EnvVars("PAKYAS_DATABASE_URL"),
	}
}

func (e *env) dataDir(cmd *cli.Command) string {
	if d := cmd.String("data-dir"); d != "" {
		return d
	}
	return server.DefaultDataDir(e.getenv)
}

func serverCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "server",
		Usage: "run the Pakyas server: ping endpoints, API, status engine and alerts",
		UsageText: `pakyas server [--listen 127.0.0.1:8484] [--data-dir DIR] [--dev]

Examples:
  pakyas server --dev                          # try it out: prints a 'pakyas login' line
  pakyas server init --email you@example.com   # first admin of a real server
  pakyas server --listen 0.0.0.0:8484 --public-url https://pakyas.example.com`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: server.DefaultListen, Usage: "address to listen on, HOST:PORT", Sources: cli.EnvVars("PAKYAS_LISTEN")},
			dataDirFlag(),
			databaseURLFlag(),
			&cli.BoolFlag{Name: "dev", Usage: "development mode: create a dev user, organization, project and API key on first start and print a 'pakyas login' line"},
			&cli.StringFlag{Name: "public-url", Usage: "base URL jobs reach the server at, used in ping URLs (default: http://LISTEN)", Sources: cli.EnvVars("PAKYAS_PUBLIC_URL")},
			&cli.StringFlag{Name: "retention", Value: "90d", Usage: "how long signals are kept, in days (90d) or a Go duration (36h)", Sources: cli.EnvVars("PAKYAS_RETENTION")},
			&cli.IntFlag{Name: "keep-signals", Value: 1000, Usage: "how many signals are kept per check", Sources: cli.EnvVars("PAKYAS_KEEP_SIGNALS")},
			&cli.FloatFlag{Name: "api-rate-limit", Value: 50, Usage: "API requests per second one API key may make on average (bursts of 4× that); 0 turns the limit off; pings are never limited", Sources: cli.EnvVars("PAKYAS_API_RATE_LIMIT")},
			&cli.StringFlag{Name: "smtp-addr", Usage: "SMTP relay HOST:PORT for email alert channels", Sources: cli.EnvVars("PAKYAS_SMTP_ADDR")},
			&cli.StringFlag{Name: "smtp-from", Usage: "sender address of alert emails", Sources: cli.EnvVars("PAKYAS_SMTP_FROM")},
			&cli.StringFlag{Name: "smtp-username", Usage: "SMTP user name (AUTH PLAIN)", Sources: cli.EnvVars("PAKYAS_SMTP_USERNAME")},
			&cli.StringFlag{Name: "smtp-password", Usage: "SMTP password; prefer the environment variable", Sources: cli.EnvVars("PAKYAS_SMTP_PASSWORD")},
			&cli.StringFlag{Name: "smtp-starttls", Value: "auto", Usage: "STARTTLS: auto, always or never", Sources: cli.EnvVars("PAKYAS_SMTP_STARTTLS")},
			&cli.StringSliceFlag{Name: "trusted-proxy", Usage: "address or CIDR prefix of a reverse proxy in front of the server (repeatable): the client address of its requests is read from X-Forwarded-For", Sources: cli.EnvVars("PAKYAS_TRUSTED_PROXIES")},
			&cli.BoolFlag{Name: "allow-private-ips", Usage: "let webhook, Slack and email alerts reach loopback, private and link-local addresses (on with --dev)", Sources: e.envBool("PAKYAS_ALLOW_PRIVATE_IPS")},
		},
		Commands: []*cli.Command{serverInitCommand(e), serverCopyCommand(e)},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return runServer(ctx, e, cmd)
		},
	}
}

func runServer(ctx context.Context, e *env, cmd *cli.Command) error {
	cfg, err := server.Flags{
		PublicURL: cmd.String("public-url"), Retention: cmd.String("retention"), KeepSignals: int(cmd.Int("keep-signals")),
		APIRate: cmd.Float("api-rate-limit"), StartTLS: cmd.String("smtp-starttls"), AllowPrivateIPs: cmd.Bool("allow-private-ips"),
		TrustedProxies: cmd.StringSlice("trusted-proxy"),
		SMTP: alert.SMTPConfig{Addr: cmd.String("smtp-addr"), From: cmd.String("smtp-from"),
			Username: cmd.String("smtp-username"), Password: cmd.String("smtp-password")},
		Logger: log.New(e.stderr, "pakyas server: ", log.LstdFlags),
	}.Config()
	if err != nil {
		return usagef("%v", err)
	}
	return server.Run(ctx, server.Options{Listen: cmd.String("listen"), DataDir: e.dataDir(cmd), DatabaseURL: cmd.String("database-url"), Dev: cmd.Bool("dev"),
		Stdout: e.stdout, Config: cfg})
}
func serverInitCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "create the first admin, organization, project and API key of a new server",
		UsageText: `pakyas server init --email EMAIL [--org NAME] [--project NAME] [--data-dir DIR]

Prints the API key once: store it, it is not shown again.

Example:
  pakyas server init --email ops@example.com --org "My Company" --project Production`,
		Flags: []cli.Flag{
			dataDirFlag(),
			databaseURLFlag(),
			&cli.StringFlag{Name: "email", Usage: "the admin's email address", Required: true},
			&cli.StringFlag{Name: "name", Usage: "the admin's name"},
			&cli.StringFlag{Name: "org", Value: "My Company", Usage: "name of the first organization"},
			&cli.StringFlag{Name: "project", Value: "Production", Usage: "name of the first project"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			st, err := server.OpenStore(ctx, e.dataDir(cmd), cmd.String("database-url"), func(f string, a ...any) { fmt.Fprintf(e.stderr, "pakyas: "+f+"\n", a...) })
			if err != nil {
				return err
			}
			defer st.Close()
			key, err := server.Init(ctx, st, time.Now(), server.Admin{
				Email: cmd.String("email"), Name: cmd.String("name"),
				Org: cmd.String("org"), Project: cmd.String("project"),
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Created %s in organization %q, project %q.\n", cmd.String("email"), cmd.String("org"), cmd.String("project"))
			fmt.Fprintf(e.stdout, "API key (shown once, store it now): %s\n", key)
			fmt.Fprintf(e.stdout, "Log in with: pakyas login --api-key %s\n", key)
			return nil
		},
	}
}

func serverCopyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "copy",
		Usage: "copy a stopped SQLite server's data into an empty PostgreSQL database",
		UsageText: `pakyas server copy --data-dir DIR --database-url URL

Stop the server first. Every row is copied in one transaction and counted
on both sides; the data directory is left as it was.

Example:
  pakyas server copy --data-dir /var/lib/pakyas --database-url postgres://pakyas@db:5432/pakyas`,
		Flags: []cli.Flag{dataDirFlag(), databaseURLFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			url := cmd.String("database-url")
			if url == "" {
				return usagef("pakyas server copy needs --database-url (or PAKYAS_DATABASE_URL): the empty PostgreSQL database to copy into")
			}
			dir := e.dataDir(cmd)
			counts, err := server.CopyToPostgres(ctx, dir, url)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Copied %s to PostgreSQL %s:\n", filepath.Join(dir, server.DBFile), postgres.Redact(url))
			for _, c := range counts {
				fmt.Fprintf(e.stdout, "  %-12s %d rows (%d in SQLite)\n", c.Table, c.Copied, c.Source)
			}
			fmt.Fprintf(e.stdout, "Every count matches. Next:\n"+
				"  1. start the server on PostgreSQL: pakyas server --database-url URL (with the same --public-url);\n"+
				"     API keys, ping URLs and webhook secrets are unchanged\n"+
				"  2. keep %s as a backup until the new server has run for a while\n", dir)
			return nil
		},
	}
}
