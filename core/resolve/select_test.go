package resolve

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
)

func TestSelect(t *testing.T) {
	me := &api.Me{Orgs: []api.Org{
		{ID: "o1", Name: "Acme", Projects: []api.Project{{ID: "p1", Name: "Web"}, {ID: "p2", Name: "Ops"}}},
		{ID: "o2", Name: "Beta", Projects: []api.Project{{ID: "p3", Name: "Web"}, {ID: "p4", Name: "Data"}}},
	}}
	one := &api.Me{Orgs: []api.Org{{ID: "o1", Name: "Acme", Projects: []api.Project{{ID: "p1", Name: "Web"}}}}}
	flag := func(v string) config.Setting { return config.Setting{Value: v, Source: config.FromFlag} }
	file := func(v string) config.Setting { return config.Setting{Value: v, Source: config.FromFile} }
	none := config.Setting{}
	tests := []struct {
		name         string
		me           *api.Me
		org, project config.Setting
		want         string // project ID
		code         string
	}{
		{"only project", one, none, none, "p1", ""},
		{"by name, any case", me, none, file("ops"), "p2", ""},
		{"by id", me, none, flag("p4"), "p4", ""},
		{"name in two orgs", me, none, file("Web"), "", core.EAMBIGUOUS},
		{"org picks", me, file("Beta"), file("Web"), "p3", ""},
		{"nothing selected", me, none, none, "", core.EAMBIGUOUS},
		{"org with several projects", me, flag("Acme"), none, "", core.EAMBIGUOUS},
		{"unknown project", me, file("Acme"), file("Nope"), "", core.ENOTFOUND},
		{"unknown org", me, flag("Gamma"), file("Web"), "", core.ENOTFOUND},
		// Given for this command beats saved:
		{"project given, saved org lacks it", me, file("Acme"), flag("Data"), "p4", ""},
		{"org given, saved project not in it", me, flag("Beta"), file("Ops"), "", core.EAMBIGUOUS},
		{"org given, saved project not in it, one project", &api.Me{Orgs: []api.Org{me.Orgs[0], {ID: "o3", Name: "Solo", Projects: []api.Project{{ID: "p9", Name: "Main"}}}}}, flag("Solo"), file("Ops"), "p9", ""},
		// --org Acme is given even when Acme is the saved org too.
		{"org given equal to the saved one", me, flag("Acme"), file("Data"), "", core.EAMBIGUOUS},
		{"both saved: no search elsewhere", me, file("Acme"), file("Data"), "", core.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, p, err := Select(tt.me, tt.org, tt.project)
			if tt.code != "" {
				require.Error(t, err)
				assert.Equal(t, tt.code, core.ErrorCode(err), "%v", err)
				assert.NotEmpty(t, core.ErrorHint(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.ID)
			assert.NotEmpty(t, o.ID)
		})
	}
}

func TestSelectOrg(t *testing.T) {
	me := &api.Me{Orgs: []api.Org{{ID: "o1", Name: "Acme"}, {ID: "o2", Name: "Beta"}}}
	o, err := SelectOrg(me, config.Setting{Value: "beta", Source: config.FromEnv})
	require.NoError(t, err)
	assert.Equal(t, "o2", o.ID)
	_, err = SelectOrg(me, config.Setting{})
	assert.Equal(t, core.EAMBIGUOUS, core.ErrorCode(err))
	assert.Contains(t, err.Error(), `"Acme", "Beta"`)
	_, err = SelectOrg(&api.Me{}, config.Setting{})
	assert.Equal(t, core.ENOTFOUND, core.ErrorCode(err))
}

func TestOne(t *testing.T) {
	items := []string{"ops", "dev", "ops"}
	eq := func(ref string) func(string) bool { return func(s string) bool { return s == ref } }
	got, err := One(items, eq("dev"), "channel", "dev", "", "pakyas channel list")
	require.NoError(t, err)
	assert.Equal(t, "dev", got)
	_, err = One(items, eq("x"), "channel", "x", `in organization "Acme"`, "pakyas channel list")
	assert.Equal(t, core.ENOTFOUND, core.ErrorCode(err))
	assert.Equal(t, `no channel "x" in organization "Acme"`, core.ErrorText(err))
	_, err = One(items, eq("ops"), "channel", "ops", "", "pakyas channel list")
	assert.Equal(t, core.EAMBIGUOUS, core.ErrorCode(err))
	assert.Equal(t, `2 channels match "ops": give the ID`, core.ErrorText(err))
}

func TestCurrent(t *testing.T) {
	me := &api.Me{User: api.User{Email: "a@b"}, Orgs: []api.Org{{ID: "o1", Name: "Acme", Projects: []api.Project{{ID: "p1", Name: "Web"}, {ID: "p2", Name: "Ops"}}}}}
	c := Current("http://h", me, config.Setting{}, config.Setting{Value: "ops", Source: config.FromFile})
	require.NotNil(t, c.Project)
	assert.Equal(t, "p2", c.Project.ID)
	assert.Nil(t, c.Organization.Projects)
	c = Current("http://h", me, config.Setting{}, config.Setting{})
	assert.Nil(t, c.Project, "two projects: none selected")
	assert.Equal(t, "Acme", c.Organization.Name, "the only organization")
	assert.Len(t, me.Orgs[0].Projects, 2, "m is not changed")
}

// TestSelection: what config.toml keeps names the object alone: its name
// when nothing else has it as name or slug, else its slug, else its ID.
func TestSelection(t *testing.T) {
	org := &api.Org{ID: "o1", Name: "Acme", Slug: "acme", Projects: []api.Project{
		{ID: "p1", Name: "delta", Slug: "delta2"}, // "delta" is also p2's slug
		{ID: "p2", Name: "Alpha2", Slug: "delta"},
		{ID: "p3", Name: "Web", Slug: "web"}, // p4's name is "web" too
		{ID: "p4", Name: "web", Slug: "web-2"},
		{ID: "p5", Name: "web-2", Slug: "ops"}, // p4's slug is "web-2"
	}}
	for i, want := range []string{"delta2", "Alpha2", "p3", "p4", "ops"} {
		p := &org.Projects[i]
		sel := ProjectSelection(org, p)
		assert.Equal(t, want, sel, p.ID)
		hits := ProjectsNamed(org, sel)
		require.Len(t, hits, 1, "%s: %q names it alone", p.ID, sel)
		assert.Equal(t, p.ID, hits[0].ID)
	}
	assert.Empty(t, ProjectsNamed(org, ""))

	m := &api.Me{Orgs: []api.Org{*org, {ID: "o2", Name: "acme", Slug: "acme-2"}}}
	assert.Equal(t, "o1", OrgSelection(m, &m.Orgs[0]), "its name and slug both name the other too")
	assert.Equal(t, "acme-2", OrgSelection(m, &m.Orgs[1]))
}

// TestAfterLogin: what login saves selects the same organization and
// project again, and never a name another organization also has.
func TestAfterLogin(t *testing.T) {
	twins := &api.Me{Orgs: []api.Org{
		{ID: "o1", Name: "Acme", Slug: "acme", Projects: []api.Project{{ID: "p1", Name: "Web", Slug: "web"}}},
		{ID: "o2", Name: "Acme", Slug: "acme-2"},
	}}
	two := &api.Me{Orgs: []api.Org{{ID: "o1", Name: "Acme", Slug: "acme", Projects: []api.Project{
		{ID: "p1", Name: "Web", Slug: "web"}, {ID: "p2", Name: "Ops", Slug: "ops"}}}}}
	tests := []struct {
		name         string
		me           *api.Me
		same         bool
		org, project string
		wantOrg      string
		wantProject  string
	}{
		{"the only project, in an organization whose name another has", twins, true, "", "", "o1", "Web"},
		{"saved ones the key sees are kept", two, true, "Acme", "Ops", "Acme", "Ops"},
		{"another server's selection is dropped", two, false, "Acme", "Ops", "", ""},
		{"a saved project the key does not see is dropped", two, true, "Acme", "Gone", "", ""},
		{"several projects and none saved: none", two, true, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org, project := AfterLogin(tt.me, tt.same, tt.org, tt.project)
			assert.Equal(t, tt.wantOrg, org)
			assert.Equal(t, tt.wantProject, project)
			if org != "" {
				o, p, err := Select(tt.me, config.Setting{Value: org, Source: config.FromFile}, config.Setting{Value: project, Source: config.FromFile})
				require.NoError(t, err, "what login saved selects again")
				assert.Equal(t, "o1", o.ID)
				assert.Equal(t, tt.wantProject, p.Name)
			}
		})
	}
}
