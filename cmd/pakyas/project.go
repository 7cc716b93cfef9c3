package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/urfave/cli/v3"
)

func projectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "project",
		Usage: "list, switch and create projects",
		UsageText: `pakyas project list | show | switch NAME | create NAME | pause | resume | ping-key

Examples:
  pakyas project list
  pakyas project switch "Production"`,
		Action: groupAction,
		Commands: []*cli.Command{
			leaf("list,ls", "list the projects of the selected organization (of all, if none is selected); * marks the selected one",
				"pakyas project list\n\nExamples:\n  pakyas project list\n  pakyas --org \"Company B\" project list --format json",
				e.projectList),
			leaf("show", "show the selected project: its ID, organization and ping key with its slug URLs",
				"pakyas project show\n\nExample:\n  pakyas --project Production project show",
				e.projectShow),
			leaf("switch", "select the project later commands use (saved in config.toml)",
				"pakyas project switch NAME\n\nExample:\n  pakyas project switch \"Production\"",
				e.projectSwitch),
			leaf("create", "create a project in the selected organization",
				"pakyas project create NAME [--slug SLUG]\n\nThe slug (made from the name when not given) names it in commands: --project SLUG, PAKYAS_PROJECT=SLUG.\n\nExample:\n  pakyas project create \"Staging\"",
				e.projectCreate, &cli.StringFlag{Name: "slug", Usage: "its slug: lowercase letters, digits, - and _ (default: from the name)"}),
			leaf("pause", "pause every check of the selected project, e.g. for a deploy window; signals are still recorded",
				"pakyas project pause [--for D | --until TIME] [--reason TEXT]\n\nExample:\n  pakyas project pause --for 30m --reason deploy",
				func(ctx context.Context, cmd *cli.Command) error { return e.projectPause(ctx, cmd, true) }, pauseFlags()...),
			leaf("resume", "resume every paused check of the selected project",
				"pakyas project resume\n\nExample:\n  pakyas --project production project resume",
				func(ctx context.Context, cmd *cli.Command) error { return e.projectPause(ctx, cmd, false) }),
			leaf("ping-key", "show the selected project's ping key, for healthchecks.io-style slug URLs (/ping/<ping-key>/<slug>)",
				"pakyas project ping-key [--new]\n\nThe first call makes one; --new replaces it (the old slug URLs stop working).\n\nExample:\n  curl -fsS \"$(pakyas project ping-key --format json | jq -r .ping_url)/nightly-backup\"",
				e.projectPingKey, &cli.BoolFlag{Name: "new", Usage: "make a new ping key, replacing the old one"}),
		},
	}
}

// projectRow is a project with its organization's name, for listings.
type projectRow struct {
	api.Project
	OrgName string `json:"org_name"`
}

func (e *env) projectList(ctx context.Context, cmd *cli.Command) error {
	s, _, m, err := e.account(ctx, cmd)
	if err != nil {
		return err
	}
	orgs := m.Orgs
	if s.Org.Value != "" {
		org, err := resolve.FindOrg(m, s.Org.Value)
		if err != nil {
			return err
		}
		orgs = []api.Org{*org}
	}
	rows := []projectRow{}
	for _, org := range orgs {
		for _, p := range org.Projects {
			rows = append(rows, projectRow{Project: p, OrgName: org.Name})
		}
	}
	return e.output(s).show(rows, func(o *output) {
		if len(rows) == 0 {
			where := "your organizations"
			if len(orgs) == 1 {
				where = fmt.Sprintf("organization %q", orgs[0].Name)
			}
			o.printf("No projects in %s yet. Create one with: pakyas project create \"My Project\"\n", where)
			return
		}
		var curID string
		if _, p, err := s.selectProject(m); err == nil {
			curID = p.ID
		}
		t := &console.Table{Head: []string{"", "NAME", "SLUG", "ORGANIZATION", "ID"}}
		for _, r := range rows {
			mark := ""
			if r.ID == curID {
				mark = "*"
			}
			t.AddText(mark, r.Name, console.OrDash(r.Slug), r.OrgName, r.ID)
		}
		o.table(t)
	})
}

func (e *env) projectSwitch(ctx context.Context, cmd *cli.Command) error {
	name, err := oneArg(cmd, "project name")
	if err != nil {
		return err
	}
	s, _, m, err := e.account(ctx, cmd)
	if err != nil {
		return err
	}
	s.Project = config.Setting{Value: name, Source: config.FromFlag, Where: "the argument"}
	org, p, err := s.selectProject(m)
	if err != nil {
		return err
	}
	err = s.Save(func(c *config.Config) {
		c.Org, c.Project = resolve.OrgSelection(m, org), resolve.ProjectSelection(org, p)
	})
	if err != nil {
		return err
	}
	return e.output(s).show(projectRow{Project: *p, OrgName: org.Name}, func(o *output) {
		o.printf("Switched to project %q in organization %q.\n", p.Name, org.Name)
	})
}

func (e *env) projectCreate(ctx context.Context, cmd *cli.Command) error {
	name, err := oneArg(cmd, "project name")
	if err != nil {
		return err
	}
	s, c, m, err := e.account(ctx, cmd)
	if err != nil {
		return err
	}
	org, err := s.selectOrg(m)
	if err != nil {
		return err
	}
	p, err := c.CreateProject(ctx, org.ID, name, cmd.String("slug"))
	if err != nil {
		return s.apiErr(err)
	}
	return e.output(s).show(projectRow{Project: *p, OrgName: org.Name}, func(o *output) {
		o.printf("Created project %q (slug %s) in organization %q.\n", p.Name, p.Slug, org.Name)
		o.printf("Next: pakyas project switch %s, or export PAKYAS_PROJECT=%s\n", p.Slug, p.Slug)
	})
}

func (e *env) projectPingKey(ctx context.Context, cmd *cli.Command) error {
	sc, err := e.scope(ctx, cmd)
	if err != nil {
		return err
	}
	p := sc.project
	if p.PingKey == "" || cmd.Bool("new") {
		if p, err = sc.client.NewPingKey(ctx, p.ID); err != nil {
			return sc.s.apiErr(err)
		}
	}
	pingURL := strings.TrimRight(sc.s.APIURL.Value, "/") + "/ping/" + p.PingKey
	return e.output(sc.s).show(map[string]string{"project": p.Name, "ping_key": p.PingKey, "ping_url": pingURL}, func(o *output) {
		o.printf("Ping key of project %q: %s\n", p.Name, p.PingKey)
		printSlugURLs(o, sc.s.APIURL.Value, p.PingKey)
	})
}

// printSlugURLs says how to ping the project's checks by slug with its
// ping key: healthchecks.io's form and Cronitor's.
func printSlugURLs(o *output, apiURL, pingKey string) {
	base := strings.TrimRight(apiURL, "/")
	o.printf("Ping a check by its slug: %s/ping/%s/SLUG (and /start, /fail, /log, /<exit code>; ?create=1 makes a missing check)\n", base, pingKey)
	o.printf("Cronitor's form: %s/p/%s/SLUG?state=run|complete|fail\n", base, pingKey)
}

// projectShow shows the selected project.
func (e *env) projectShow(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Present() {
		return usagef("project show takes no arguments: select the project with --project NAME or PAKYAS_PROJECT")
	}
	sc, err := e.scope(ctx, cmd)
	if err != nil {
		return err
	}
	p := sc.project
	return e.output(sc.s).show(projectRow{Project: *p, OrgName: sc.org.Name}, func(o *output) {
		o.printf("%s\n", p.Name)
		o.printf("  Slug:         %s\n", p.Slug)
		o.printf("  ID:           %s\n", p.ID)
		o.printf("  Organization: %s\n", sc.org.Name)
		if p.PingKey == "" {
			o.printf("  Ping key:     none yet ('pakyas project ping-key' makes one, for slug URLs)\n")
			return
		}
		o.printf("  Ping key:     %s\n", p.PingKey)
		printSlugURLs(o, sc.s.APIURL.Value, p.PingKey)
	})
}

// projectPause pauses (or resumes) every check of the selected project.
func (e *env) projectPause(ctx context.Context, cmd *cli.Command, pause bool) error {
	if cmd.Args().Present() {
		return usagef("unexpected arguments %q: select the project with --project or PAKYAS_PROJECT", cmd.Args().Slice())
	}
	var in api.PauseInput
	if pause {
		var err error
		if in, err = pauseInput(cmd); err != nil {
			return err
		}
	}
	sc, err := e.scope(ctx, cmd)
	if err != nil {
		return err
	}
	var res *api.PauseResult
	if pause {
		res, err = sc.client.PauseProject(ctx, sc.project.ID, in)
	} else {
		res, err = sc.client.ResumeProject(ctx, sc.project.ID)
	}
	if err != nil {
		return sc.s.apiErr(err)
	}
	return e.output(sc.s).show(res, func(o *output) {
		verb := "Resumed"
		if pause {
			verb = "Paused"
		}
		o.printf("%s %d checks of project %q", verb, len(res.Checks), sc.project.Name)
		if !pause || res.Until == nil {
			o.printf(".\n")
			return
		}
		o.printf(" until %s; they resume by themselves.\n", console.Time(res.Until))
		// The checks that keep a longer pause of their own: with no end,
		// or a later one.
		var longer []string
		for _, c := range res.Checks {
			if c.PausedUntil == nil || c.PausedUntil.After(*res.Until) {
				longer = append(longer, c.Slug)
			}
		}
		if len(longer) > 0 {
			o.printf("Already paused for longer, and kept so: %s.\n", strings.Join(longer, ", "))
		}
	})
}
