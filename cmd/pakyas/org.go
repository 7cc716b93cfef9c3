package main

import (
	"context"
	"strconv"
	"strings"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/urfave/cli/v3"
)

func orgCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "org",
		Usage: "list, switch and create organizations",
		UsageText: `pakyas org list | switch NAME | create NAME

Examples:
  pakyas org list
  pakyas org switch "My Company"`,
		Action: groupAction,
		Commands: []*cli.Command{
			leaf("list,ls", "list your organizations; * marks the selected one",
				"pakyas org list\n\nExamples:\n  pakyas org list\n  pakyas org list --format json",
				e.orgList),
			leaf("switch", "select the organization later commands use (saved in config.toml)",
				"pakyas org switch NAME\n\nExample:\n  pakyas org switch \"My Company\"",
				e.orgSwitch),
			leaf("create", "create an organization",
				"pakyas org create NAME [--slug SLUG]\n\nThe slug (made from the name when not given) names it in commands: --org SLUG, PAKYAS_ORG=SLUG.\n\nExample:\n  pakyas org create \"Company B\"",
				e.orgCreate, &cli.StringFlag{Name: "slug", Usage: "its slug: lowercase letters, digits, - and _ (default: from the name)"}),
		},
	}
}

// oneArg returns the command's single argument (names may hold spaces
// when quoted, or be given unquoted as several words).
func oneArg(cmd *cli.Command, what string) (string, error) {
	if !cmd.Args().Present() {
		return "", usagef("missing %s: see 'pakyas %s --help'", what, strings.TrimPrefix(cmd.FullName(), "pakyas "))
	}
	return strings.TrimSpace(strings.Join(cmd.Args().Slice(), " ")), nil
}

func (e *env) orgList(ctx context.Context, cmd *cli.Command) error {
	s, _, m, err := e.account(ctx, cmd)
	if err != nil {
		return err
	}
	return e.output(s).show(m.Orgs, func(o *output) {
		cur, _ := s.selectOrg(m)
		t := &console.Table{Head: []string{"", "NAME", "SLUG", "PROJECTS", "ID"}}
		for _, org := range m.Orgs {
			mark := ""
			if cur != nil && cur.ID == org.ID {
				mark = "*"
			}
			t.AddText(mark, org.Name, console.OrDash(org.Slug), strconv.Itoa(len(org.Projects)), org.ID)
		}
		o.table(t)
	})
}

func (e *env) orgSwitch(ctx context.Context, cmd *cli.Command) error {
	name, err := oneArg(cmd, "organization name")
	if err != nil {
		return err
	}
	s, _, m, err := e.account(ctx, cmd)
	if err != nil {
		return err
	}
	org, err := resolve.FindOrg(m, name)
	if err != nil {
		return err
	}
	// The saved project stays when it names one project of the new
	// organization, saved as what names it alone there.
	project := ""
	if hits := resolve.ProjectsNamed(org, s.File.Project); len(hits) == 1 {
		project = resolve.ProjectSelection(org, hits[0])
	}
	keep := project != ""
	err = s.Save(func(c *config.Config) { c.Org, c.Project = resolve.OrgSelection(m, org), project })
	if err != nil {
		return err
	}
	o := e.output(s)
	o.printf("Switched to organization %q.\n", org.Name)
	if !keep && len(org.Projects) > 1 {
		o.printf("Next: pick a project with 'pakyas project list' and 'pakyas project switch NAME'.\n")
	}
	if o.json {
		org.Projects = nil
		return o.JSON(org)
	}
	return nil
}

func (e *env) orgCreate(ctx context.Context, cmd *cli.Command) error {
	name, err := oneArg(cmd, "organization name")
	if err != nil {
		return err
	}
	s, c, err := e.loggedIn(cmd)
	if err != nil {
		return err
	}
	org, err := c.CreateOrg(ctx, name, cmd.String("slug"))
	if err != nil {
		return s.apiErr(err)
	}
	return e.output(s).show(org, func(o *output) {
		o.printf("Created organization %q (slug %s, ID %s).\n", org.Name, org.Slug, org.ID)
		o.printf("Next: pakyas org switch %s, then pakyas project create NAME\n", org.Slug)
	})
}
