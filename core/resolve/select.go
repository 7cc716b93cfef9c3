// Package resolve turns what a command names into what the server knows
// it by: the organization and project the settings select among those
// the API key sees, and a check's slug into its public ID through the slug
// cache, falling back to a stale cache entry when the server cannot be
// reached.
package resolve

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
)

// Hints for the user guide's troubleshooting cases.
const (
	ProjectHint = "pakyas project list\n" +
		"pakyas project switch \"My Project\"\n" +
		"or: export PAKYAS_PROJECT=my-project"
	OrgHint = "pakyas org list\n" +
		"pakyas org switch \"My Company\"\n" +
		"or: export PAKYAS_ORG=\"My Company\""
	CheckHint = "pakyas check list    # see all checks\n" +
		"pakyas check sync    # refresh the cache"
)

// Matches reports whether sel names the object with id and name: its ID,
// its name in any case, or one of its slugs.
func Matches(sel, id, name string, slugs ...string) bool {
	sel = strings.TrimSpace(sel)
	return sel == id || strings.EqualFold(sel, name) || (sel != "" && slices.Contains(slugs, sel))
}

// FindOrg returns the organization sel names (ID or name, any case).
func FindOrg(m *api.Me, sel string) (*api.Org, error) {
	hits := orgsNamed(m, sel)
	switch len(hits) {
	case 0:
		return nil, &core.Error{Code: core.ENOTFOUND, Message: fmt.Sprintf("Organization %q not found", sel), Hint: OrgHint}
	case 1:
		return hits[0], nil
	}
	names := make([]string, len(hits))
	for i, o := range hits {
		names[i] = fmt.Sprintf("%q (slug %s, ID %s)", o.Name, o.Slug, o.ID)
	}
	return nil, &core.Error{Code: core.EAMBIGUOUS,
		Message: fmt.Sprintf("%q matches several organizations: %s", sel, strings.Join(names, ", ")),
		Hint:    "name it by its ID: pakyas org switch ID, --org ID or PAKYAS_ORG=ID"}
}

// orgsNamed returns the organizations of m that sel names (Matches).
func orgsNamed(m *api.Me, sel string) []*api.Org {
	var hits []*api.Org
	for i := range m.Orgs {
		if Matches(sel, m.Orgs[i].ID, m.Orgs[i].Name, m.Orgs[i].Slug) {
			hits = append(hits, &m.Orgs[i])
		}
	}
	return hits
}

// SelectOrg returns the organization org selects, or the only one the key
// sees when org is not set.
func SelectOrg(m *api.Me, org config.Setting) (*api.Org, error) {
	switch {
	case org.Value != "":
		return FindOrg(m, org.Value)
	case len(m.Orgs) == 1:
		return &m.Orgs[0], nil
	case len(m.Orgs) == 0:
		return nil, &core.Error{Code: core.ENOTFOUND, Message: "you belong to no organization", Hint: `pakyas org create "My Company"`}
	}
	names := make([]string, len(m.Orgs))
	for i, o := range m.Orgs {
		names[i] = fmt.Sprintf("%q", o.Name)
	}
	return nil, &core.Error{Code: core.EAMBIGUOUS, Message: "No organization selected: your key sees " + strings.Join(names, ", "), Hint: OrgHint}
}

// Select returns the project org and project select and its organization:
// the project by name (any case) or ID within the selected organization if
// there is one; with no project set, the only project the key sees (in
// that organization).
//
// A selection given for this command (flag or environment) beats a saved
// one (config.toml): with org given and the project saved, a saved project
// that is not in that organization is ignored; with the project given and
// the organization saved, a project that is not in the saved organization
// is looked for in every organization.
func Select(m *api.Me, org, project config.Setting) (*api.Org, *api.Project, error) {
	orgs := m.Orgs
	if org.Value != "" {
		o, err := FindOrg(m, org.Value)
		if err != nil {
			return nil, nil, err
		}
		orgs = []api.Org{*o}
	}
	sel := project.Value
	hits := projectsNamed(orgs, sel)
	if len(hits) == 0 && sel != "" && org.Value != "" && project.ForCommand() && !org.ForCommand() {
		orgs = m.Orgs
		hits = projectsNamed(orgs, sel)
	}
	if len(hits) == 0 && sel != "" && org.ForCommand() && !project.ForCommand() {
		sel = ""
		hits = projectsNamed(orgs, sel)
	}
	switch {
	case len(hits) == 1:
		return hits[0].org, hits[0].project, nil
	case sel == "":
		return nil, nil, &core.Error{Code: core.EAMBIGUOUS, Message: "No project selected", Hint: ProjectHint}
	case len(hits) == 0:
		where := ""
		if len(orgs) == 1 {
			where = fmt.Sprintf(" in organization %q", orgs[0].Name)
		}
		return nil, nil, &core.Error{Code: core.ENOTFOUND, Message: fmt.Sprintf("Project %q not found%s", sel, where), Hint: ProjectHint}
	}
	names := make([]string, len(hits))
	orgsHit := map[string]bool{}
	for i, h := range hits {
		names[i] = fmt.Sprintf("%q in %q (slug %s, ID %s)", h.project.Name, h.org.Name, h.project.Slug, h.project.ID)
		orgsHit[h.org.ID] = true
	}
	hint := "pick the organization: pakyas org switch NAME, --org NAME or PAKYAS_ORG"
	if len(orgsHit) < len(hits) {
		hint = "name it by its ID: pakyas project switch ID, --project ID or PAKYAS_PROJECT=ID"
	}
	return nil, nil, &core.Error{Code: core.EAMBIGUOUS,
		Message: fmt.Sprintf("No project selected: %q matches several projects: %s", sel, strings.Join(names, ", ")),
		Hint:    hint}
}

type orgProject struct {
	org     *api.Org
	project *api.Project
}

// projectsNamed returns the projects of orgs that sel names (every one
// when sel is empty).
func projectsNamed(orgs []api.Org, sel string) []orgProject {
	var hits []orgProject
	for i := range orgs {
		for j := range orgs[i].Projects {
			p := &orgs[i].Projects[j]
			if sel == "" || Matches(sel, p.ID, p.Name, p.Slug) {
				hits = append(hits, orgProject{&orgs[i], p})
			}
		}
	}
	return hits
}

// AfterLogin returns the organization and project to save in config.toml
// after logging in with a key that sees m: the saved ones when they are
// for the same server and the key sees them; else, when the key sees
// exactly one project (in the saved organization, if it kept that), that
// project, so it stays selected when more are created, saved as
// OrgSelection and ProjectSelection do (a name unless it could match
// another one); else none.
func AfterLogin(m *api.Me, sameServer bool, org, project string) (string, string) {
	saved := func(v string) config.Setting { return config.Setting{Value: v, Source: config.FromFile} }
	if !sameServer {
		org, project = "", ""
	}
	if org != "" {
		if _, err := FindOrg(m, org); err != nil {
			org, project = "", ""
		}
	}
	if project != "" {
		if _, _, err := Select(m, saved(org), saved(project)); err != nil {
			org, project = "", ""
		}
	}
	if project == "" {
		if o, p, err := Select(m, saved(org), saved("")); err == nil {
			org, project = OrgSelection(m, o), ProjectSelection(o, p)
		}
	}
	return org, project
}

// One returns the one item of items that matches, as ref names it: what
// is an object's kind for messages ("channel"), where its place ("in
// organization \"Acme\""), and hint the command that lists them. None is
// an ENOTFOUND error, several an EAMBIGUOUS one.
func One[T any](items []T, match func(T) bool, what, ref, where, hint string) (T, error) {
	var found []T
	for _, it := range items {
		if match(it) {
			found = append(found, it)
		}
	}
	var zero T
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return zero, &core.Error{Code: core.ENOTFOUND, Message: strings.TrimSpace(fmt.Sprintf("no %s %q %s", what, ref, where)), Hint: hint}
	}
	return zero, &core.Error{Code: core.EAMBIGUOUS, Message: fmt.Sprintf("%d %ss match %q: give the ID", len(found), what, ref), Hint: hint}
}

// Context is who and where a key works: its user, the organization and
// project the settings select (nil when none is), as `pakyas whoami` and
// `login` show it.
type Context struct {
	APIURL       string       `json:"api_url"`
	User         api.User     `json:"user"`
	Organization *api.Org     `json:"organization"`
	Project      *api.Project `json:"project"`
}

// Current returns the Context of m on apiURL with the selection org and
// project (organizations without their project lists).
func Current(apiURL string, m *api.Me, org, project config.Setting) Context {
	out := Context{APIURL: apiURL, User: m.User}
	o, p, err := Select(m, org, project)
	if err != nil {
		p = nil
		if o, err = SelectOrg(m, org); err != nil {
			return out
		}
	}
	oc := *o
	oc.Projects = nil
	out.Organization, out.Project = &oc, p
	return out
}

// ProjectsNamed returns the projects of org that sel names (Matches; none
// when sel is empty).
func ProjectsNamed(org *api.Org, sel string) []*api.Project {
	if sel == "" {
		return nil
	}
	var hits []*api.Project
	for _, h := range projectsNamed([]api.Org{*org}, sel) {
		hits = append(hits, h.project)
	}
	return hits
}

// ProjectSelection returns what config.toml keeps to select p of org (the
// saved organization narrows the search to its projects): see selection.
func ProjectSelection(org *api.Org, p *api.Project) string {
	return selection(p.ID, p.Name, p.Slug, func(sel string) int { return len(ProjectsNamed(org, sel)) })
}

// OrgSelection returns what config.toml keeps to select org among those
// m sees: see selection.
func OrgSelection(m *api.Me, org *api.Org) string {
	return selection(org.ID, org.Name, org.Slug, func(sel string) int { return len(orgsNamed(m, sel)) })
}

// selection returns what to save for the object with id, name and slug: a
// selection (ID, name or slug; Matches) must name it alone, or every later
// command fails as ambiguous. Its name when that names it alone (matches
// says how many objects sel names), for people reading config.toml; else
// its slug; else its ID.
func selection(id, name, slug string, matches func(sel string) int) string {
	for _, sel := range []string{name, slug} {
		if sel != "" && matches(sel) == 1 {
			return sel
		}
	}
	return id
}
