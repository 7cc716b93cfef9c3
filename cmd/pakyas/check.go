package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/view"
	"github.com/urfave/cli/v3"
)

func checkCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "create, list, show, change and delete checks (monitored jobs)",
		UsageText: `pakyas check create | list | show | timeline | update | pause | resume | delete | sync

Examples:
  pakyas check create --name "Hourly Sync" --slug hourly-sync --period 3600 --grace 300
  pakyas check list
  pakyas check show hourly-sync --format json`,
		Action: groupAction,
		Commands: []*cli.Command{
			checkCreateCommand(e),
			leaf("list,ls", "list the checks of the selected project (and refresh the slug cache)",
				"pakyas check list\n\nExamples:\n  pakyas check list\n  pakyas check list --format json\n  pakyas --org \"Company A\" check list",
				func(ctx context.Context, cmd *cli.Command) error { return e.checkList(ctx, cmd, false) }),
			leaf("sync", "refresh the slug cache (~/.config/pakyas/cache/checks.json) of the selected project",
				"pakyas check sync\n\nExample:\n  pakyas check sync",
				func(ctx context.Context, cmd *cli.Command) error { return e.checkList(ctx, cmd, true) }),
			checkShowCommand(e),
			checkTimelineCommand(e),
			checkUpdateCommand(e),
			leaf("pause", "pause a check: no pings expected, no alerts; for a while with --for or --until",
				"pakyas check pause SLUG [--for D | --until TIME] [--reason TEXT]\n\nSignals are still recorded. With --for or --until the check resumes by itself.\n\nExamples:\n  pakyas check pause db-backup\n  pakyas check pause db-backup --for 2h --reason \"database migration\"",
				func(ctx context.Context, cmd *cli.Command) error { return e.checkPause(ctx, cmd, true) }, pauseFlags()...),
			leaf("resume", "resume a paused check",
				"pakyas check resume SLUG\n\nExample:\n  pakyas check resume db-backup",
				func(ctx context.Context, cmd *cli.Command) error { return e.checkPause(ctx, cmd, false) }),
			leaf("delete,rm", "delete a check and its history",
				"pakyas check delete SLUG [--yes]\n\nOn a terminal it asks first, unless --yes.\n\nExample:\n  pakyas check delete old-job --yes",
				func(ctx context.Context, cmd *cli.Command) error { return e.checkDelete(ctx, cmd) }, &cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"}),
		},
	}
}

// scheduleFlags are the flags of check create and check update.
func scheduleFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "name", Usage: "human-readable name, e.g. \"Daily Backup\""},
		&cli.StringFlag{Name: "slug", Usage: "URL-safe identifier used in commands: lowercase letters, digits, - and _ (default: from the name)"},
		&cli.StringFlag{Name: "period", Usage: "expected run interval: seconds (3600) or a duration (1h, 1d)"},
		&cli.StringFlag{Name: "grace", Usage: "extra time before alerting: seconds (300) or a duration (5m)"},
		&cli.StringFlag{Name: "cron", Usage: "cron expression instead of a period, e.g. \"0 2 * * *\""},
		&cli.StringFlag{Name: "tz", Usage: "time zone of --cron, e.g. Europe/Paris (default UTC)"},
		&cli.StringFlag{Name: "max-runtime", Usage: "how long a started run may take before it is Overrunning (default: the grace)"},
		&cli.StringFlag{Name: "alert-after", Usage: "alert a failed run only after N failures in a row (default 1: at once); Missing and Overrunning alert at once"},
		&cli.StringFlag{Name: "remind-every", Usage: "alert again this often while the check is Missing, Failed or Overrunning, e.g. 1h (default off; 0 turns it off)"},
		&cli.StringFlag{Name: "depends-on", Usage: "the slug of a check (same project) this one depends on: while it is Missing or Failed, this check's alerts are held (none removes it)"},
		&cli.StringFlag{Name: "channels", Usage: "which channels alert for the check: names or IDs, comma-separated, or all (the default) or none"},
	}
}

// checkInput builds the API input from the flags that are set.
func checkInput(cmd *cli.Command) (api.CheckInput, error) {
	in, err := api.NewCheckInput(func(f string) (string, bool) { return cmd.String(f), cmd.IsSet(f) })
	if err != nil {
		return in, usagef("%v", err)
	}
	if in.Slug != nil {
		if err := core.SlugError(*in.Slug); err != nil {
			return in, &usageError{msg: "--slug: " + err.Error(), hint: "leave --slug out to make one from the name"}
		}
	}
	return in, nil
}

func checkCreateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "create",
		Usage: "create a check and print the commands that monitor it",
		UsageText: `pakyas check create --name NAME [--slug SLUG] (--period SECONDS | --cron EXPR [--tz ZONE]) [--grace SECONDS] [--max-runtime SECONDS]

Without --period or --cron a check expects a run every day, with one hour of grace.

Examples:
  pakyas check create --name "Hourly Sync" --slug hourly-sync --period 3600 --grace 300
  pakyas check create --name "Nightly Backup" --slug db-backup --cron "0 2 * * *" --tz Europe/Paris --grace 1h`,
		Flags: scheduleFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Present() {
				return usagef("check create takes flags only, got %q: e.g. --name \"Hourly Sync\" --slug hourly-sync", cmd.Args().Slice())
			}
			in, err := checkInput(cmd)
			if err != nil {
				return err
			}
			if in.Name == nil && in.Slug == nil {
				return usagef("a check needs --name (and usually --slug): e.g. --name \"Hourly Sync\" --slug hourly-sync")
			}
			sc, err := e.scope(ctx, cmd)
			if err != nil {
				return err
			}
			ch, err := sc.client.CreateCheck(ctx, sc.project.ID, in)
			if err != nil {
				return sc.s.apiErr(err)
			}
			e.cacheEdit(sc, func(checks map[string]string) { checks[ch.Slug] = ch.PublicID })
			return e.output(sc.s).show(ch, func(o *output) {
				o.printf("Created check '%s' (%s) in project %q.\n", ch.Name, ch.Slug, sc.project.Name)
				o.printf("  Schedule: %s\n", view.Schedule(ch))
				o.printf("  Max runtime: %s\n", view.MaxRuntime(ch))
				o.printf("  Ping URL: %s\n", ch.PingURL)
				if sc.project.PingKey != "" {
					o.printf("  Slug URL: %s/ping/%s/%s\n", strings.TrimRight(sc.s.APIURL.Value, "/"), sc.project.PingKey, ch.Slug)
				}
				o.printf("\n")
				o.printf("Monitor with:\n  pakyas monitor %s -- your-command\n\n", ch.Slug)
				o.printf("CI/CD (no auth required):\n  pakyas monitor --public-id %s -- your-command\n", ch.PublicID)
			})
		},
	}
}

// cacheEdit changes the cached checks of the scope's project, if it is
// cached: the cache is only an optimisation.
func (e *env) cacheEdit(sc *scope, fn func(checks map[string]string)) {
	if err := e.files().Checks(sc.s.Settings, sc.client, sc.s.Org, sc.s.Project, nil).Edit(sc.project.ID, fn); err != nil {
		console.Warn(e.stderr, "cannot save the slug cache: "+err.Error(), "")
	}
}

// checkList lists the checks and refreshes the cache; with sync it prints
// a summary instead of the table.
func (e *env) checkList(ctx context.Context, cmd *cli.Command, sync bool) error {
	if cmd.Args().Present() {
		return usagef("unexpected arguments %q", cmd.Args().Slice())
	}
	sc, err := e.scope(ctx, cmd)
	if err != nil {
		return err
	}
	checks, err := sc.client.Checks(ctx, sc.project.ID)
	if err != nil {
		return sc.s.apiErr(err)
	}
	r := e.files().Checks(sc.s.Settings, sc.client, sc.s.Org, sc.s.Project, nil)
	_, saveErr := r.Store(sc.org, sc.project, checks)
	o := e.output(sc.s)
	if sync {
		if r.Cache == nil {
			return fmt.Errorf("no slug cache: %w", sc.s.NoHome)
		}
		if saveErr != nil {
			return fmt.Errorf("save the slug cache: %w", saveErr)
		}
		if o.json {
			return o.JSON(map[string]any{"project": sc.project.Name, "checks": len(checks), "cache": r.Cache.Path()})
		}
		o.printf("Synced %d checks of project %q to %s\n", len(checks), console.Line(sc.project.Name), r.Cache.Path())
		return nil
	}
	if saveErr != nil {
		console.Warn(e.stderr, "cannot save the slug cache: "+saveErr.Error(), "")
	}
	if o.json {
		if checks == nil {
			checks = []api.Check{}
		}
		return o.JSON(checks)
	}
	if len(checks) == 0 {
		o.printf("No checks in project %q yet. Create one:\n  pakyas check create --name \"Hourly Sync\" --slug hourly-sync --period 3600 --grace 300\n", sc.project.Name)
		return nil
	}
	view.Checks(&o.Printer, checks)
	return nil
}

func checkUpdateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "update",
		Usage: "change a check's name, slug or schedule (only the flags given change)",
		UsageText: `pakyas check update SLUG [--name NAME] [--slug NEW] [--period SECONDS | --cron EXPR [--tz ZONE]] [--grace SECONDS] [--max-runtime SECONDS]

Examples:
  pakyas check update hourly-sync --grace 600
  pakyas check update db-backup --cron "30 3 * * *" --tz Europe/Paris`,
		Flags: scheduleFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			slug, err := slugArg(cmd)
			if err != nil {
				return err
			}
			in, err := checkInput(cmd)
			if err != nil {
				return err
			}
			if in == (api.CheckInput{}) {
				return usagef("nothing to change: pass --name, --slug, --period, --cron, --tz, --grace, --max-runtime, --alert-after, --remind-every, --depends-on or --channels")
			}
			sc, err := e.scope(ctx, cmd)
			if err != nil {
				return err
			}
			old, err := sc.check(ctx, slug)
			if err != nil {
				return err
			}
			ch, err := sc.client.UpdateCheck(ctx, old.ID, in)
			if err != nil {
				return sc.s.apiErr(err)
			}
			e.cacheEdit(sc, func(checks map[string]string) {
				delete(checks, old.Slug)
				checks[ch.Slug] = ch.PublicID
			})
			return e.output(sc.s).show(ch, func(o *output) {
				alerting := view.Alerting(ch, in)
				if alerting != "" {
					alerting = "; " + alerting
				}
				o.printf("Updated check '%s' (%s): %s, status %s%s.\n", ch.Name, ch.Slug, view.Schedule(ch), ch.StatusLabel, alerting)
			})
		},
	}
}

func (e *env) checkPause(ctx context.Context, cmd *cli.Command, pause bool) error {
	sc, ch, err := e.scopedCheck(ctx, cmd)
	if err != nil {
		return err
	}
	if pause {
		in, perr := pauseInput(cmd)
		if perr != nil {
			return perr
		}
		ch, err = sc.client.PauseCheckWith(ctx, ch.ID, in)
	} else {
		ch, err = sc.client.ResumeCheck(ctx, ch.ID)
	}
	if err != nil {
		return sc.s.apiErr(err)
	}
	return e.output(sc.s).show(ch, func(o *output) {
		switch {
		case pause && ch.PausedUntil != nil:
			o.printf("Paused check '%s' until %s: no alerts until then; it resumes by itself (or: pakyas check resume %s).\n",
				ch.Slug, console.Time(ch.PausedUntil), ch.Slug)
		case pause:
			o.printf("Paused check '%s': no pings expected, no alerts until 'pakyas check resume %s'.\n", ch.Slug, ch.Slug)
		default:
			o.printf("Resumed check '%s': status %s.\n", ch.Slug, ch.StatusLabel)
		}
	})
}

func (e *env) checkDelete(ctx context.Context, cmd *cli.Command) error {
	sc, ch, err := e.scopedCheck(ctx, cmd)
	if err != nil {
		return err
	}
	if !cmd.Bool("yes") && isTerminal(e.stdin) {
		fmt.Fprintf(e.stderr, "Delete check '%s' (%s) and its history? [y/N] ", console.Line(ch.Name), ch.Slug)
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return withCode(exitError, "not deleted", "pass --yes to delete without asking")
		}
	}
	if err := sc.client.DeleteCheck(ctx, ch.ID); err != nil {
		return sc.s.apiErr(err)
	}
	e.cacheEdit(sc, func(checks map[string]string) { delete(checks, ch.Slug) })
	return e.output(sc.s).show(map[string]any{"deleted": true, "slug": ch.Slug, "public_id": ch.PublicID}, func(o *output) {
		o.printf("Deleted check '%s'.\n", ch.Slug)
	})
}

// pauseFlags are the flags of check pause and project pause.
func pauseFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "for", Usage: "how long: a duration (30m, 2h, 1d); then it resumes by itself"},
		&cli.StringFlag{Name: "until", Usage: "until when: RFC 3339 (2025-01-07T06:00:00Z) or \"2025-01-07 06:00\" in local time; then it resumes by itself"},
		&cli.StringFlag{Name: "reason", Usage: "why, shown on the timeline (e.g. \"deploy\")"},
	}
}

// pauseInput reads --for, --until and --reason.
func pauseInput(cmd *cli.Command) (api.PauseInput, error) {
	in := api.PauseInput{Reason: cmd.String("reason")}
	if cmd.IsSet("for") && cmd.IsSet("until") {
		return in, usagef("give --for or --until, not both")
	}
	if v := cmd.String("for"); v != "" {
		d, err := core.ParseDuration(v, time.Second)
		if err != nil || d < time.Second {
			return in, usagef("--for %q: a duration such as 30m, 2h or 1d", v)
		}
		in.For = int64(d / time.Second)
	}
	if v := cmd.String("until"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02 15:04", v, time.Local)
		}
		if err != nil {
			return in, usagef("--until %q: RFC 3339 (2025-01-07T06:00:00Z) or \"2025-01-07 06:00\"", v)
		}
		in.Until = &t
	}
	return in, nil
}
