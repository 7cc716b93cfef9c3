package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
)

func TestOrgsAndProjects(t *testing.T) {
	u, _ := loggedIn(t)

	out := ok(t, u.run("org", "list"))
	assert.Regexp(t, `(?m)^\*\s+Test Org\s+test-org\s+1\s+`, out)

	ok(t, u.run("org", "create", "Company B"))
	r := u.run("org", "create", "company b")
	assert.Equal(t, exitError, r.code, "duplicate name: %s", r)

	var orgs []api.Org
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.run("org", "list", "--format", "json"))), &orgs))
	assert.Len(t, orgs, 2)

	// Switching organization drops a saved project that is not in it.
	assert.Contains(t, ok(t, u.run("org", "switch", "company B")), `Switched to organization "Company B"`)
	c, err := config.Load(u.configFile())
	require.NoError(t, err)
	assert.Equal(t, "Company B", c.Org)
	assert.Empty(t, c.Project)

	r = u.run("check", "list")
	assert.Equal(t, exitNoProject, r.code, "%s", r)
	assert.Contains(t, r.stderr, "No project selected")

	ok(t, u.run("project", "create", "Production"))
	ok(t, u.run("project", "create", "Staging"))
	out = ok(t, u.run("project", "list"))
	assert.Contains(t, out, "Production")
	assert.NotContains(t, out, "Test Project", "only the selected organization's projects")
	out = ok(t, u.run("project", "switch", "production"))
	assert.Contains(t, out, `Switched to project "Production" in organization "Company B"`)
	out = ok(t, u.run("whoami"))
	assert.Contains(t, out, "Organization: Company B\nProject: Production\n")

	// A project of another organization: switching to it follows it there.
	out = ok(t, u.run("project", "switch", "Test Project"))
	assert.Contains(t, out, `in organization "Test Org"`)
	assert.Contains(t, ok(t, u.run("whoami")), "Organization: Test Org\nProject: Test Project\n")

	// PAKYAS_PROJECT for one command, in any case.
	assert.Contains(t, ok(t, u.with("PAKYAS_PROJECT", "staging").run("whoami")), "Project: Staging\n")
	// --org for one command ignores the saved project of another org.
	r = u.run("--org", "Company B", "check", "list")
	assert.Equal(t, exitNoProject, r.code, "two projects in Company B: %s", r)

	r = u.run("org", "switch", "Nope")
	assert.Equal(t, exitNotFound, r.code)
	r = u.run("project", "switch", "Nope")
	assert.Equal(t, exitNotFound, r.code)
	assert.Contains(t, r.stderr, "pakyas project list")
	r = u.run("org", "switch")
	assert.Equal(t, exitUsage, r.code)
	assert.True(t, strings.HasPrefix(r.stderr, "pakyas: missing organization name"), r.stderr)
}

// TestProjectPingKey: the slug URLs of healthchecks.io, with the key
// `pakyas project ping-key` makes.
func TestProjectPingKey(t *testing.T) {
	u, srv := loggedIn(t)
	var k struct{ Project, PingKey, PingURL string }
	decode := func(r result) {
		t.Helper()
		require.Equal(t, 0, r.code, "%s", r)
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &struct {
			Project *string `json:"project"`
			PingKey *string `json:"ping_key"`
			PingURL *string `json:"ping_url"`
		}{&k.Project, &k.PingKey, &k.PingURL}))
	}
	decode(u.run("project", "ping-key", "--format", "json"))
	assert.Equal(t, "Test Project", k.Project)
	assert.Equal(t, srv.URL+"/ping/"+k.PingKey, k.PingURL)
	first := k.PingKey

	resp, err := http.Post(k.PingURL+"/backup?create=1", "text/plain", strings.NewReader("done"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Contains(t, ok(t, u.run("check", "list")), "backup")

	decode(u.run("project", "ping-key", "--format", "json"))
	assert.Equal(t, first, k.PingKey, "shown again, not replaced")
	decode(u.run("project", "ping-key", "--new", "--format", "json"))
	assert.NotEqual(t, first, k.PingKey)
	assert.Contains(t, ok(t, u.run("project", "ping-key")), "Ping key of project \"Test Project\": "+k.PingKey)
}

// TestProjectSlugs (the user guide's PAKYAS_PROJECT=my-project for "My
// Project"): projects and organizations have slugs, made from the name or
// given, shown by the lists, accepted wherever a name or ID is; a slug
// taken by a sibling is refused; a value matching several says which.
func TestProjectSlugs(t *testing.T) {
	u, _ := loggedIn(t)
	out := ok(t, u.run("project", "create", "My Project"))
	assert.Contains(t, out, `Created project "My Project" (slug my-project)`)
	assert.Contains(t, out, "export PAKYAS_PROJECT=my-project")
	assert.Regexp(t, `(?m)^\s+My Project\s+my-project\s+Test Org\s+`, ok(t, u.run("project", "list")))

	assert.Contains(t, ok(t, u.with("PAKYAS_PROJECT", "my-project").run("whoami")), "Project: My Project\n")
	assert.Contains(t, ok(t, u.run("--project", "my-project", "whoami")), "Project: My Project\n")
	assert.Contains(t, ok(t, u.run("project", "switch", "my-project")), `Switched to project "My Project"`)
	assert.Contains(t, ok(t, u.with("PAKYAS_ORG", "test-org").run("whoami")), "Organization: Test Org\n")

	out = ok(t, u.run("project", "create", "Backups 2", "--slug", "bk"))
	assert.Contains(t, out, "(slug bk)")
	assert.Contains(t, ok(t, u.with("PAKYAS_PROJECT", "bk").run("whoami")), "Project: Backups 2\n")

	r := u.run("project", "create", "My-Project")
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, `already has a project with the slug "my-project" ("My Project")`)
	r = u.run("project", "create", "Other", "--slug", "Not A Slug")
	assert.Equal(t, exitError, r.code, "%s", r)
	assert.Contains(t, r.stderr, `invalid project slug "Not A Slug"`)

	// A value that names two projects (one's name, the other's slug).
	ok(t, u.run("project", "create", "bk2", "--slug", "staging"))
	ok(t, u.run("project", "create", "Staging", "--slug", "stg"))
	r = u.with("PAKYAS_PROJECT", "staging").run("check", "list")
	assert.Equal(t, exitNoProject, r.code, "%s", r)
	assert.Contains(t, r.stderr, `"staging" matches several projects: `)
	assert.Contains(t, r.stderr, `"bk2" in "Test Org" (slug staging, ID `)
	assert.Contains(t, r.stderr, `"Staging" in "Test Org" (slug stg, ID `)
	assert.Contains(t, r.stderr, "name it by its ID")
}

// TestSwitchSavesAnUnambiguousSelection: project switch and org switch
// save in config.toml what selects exactly that project or organization:
// its name when that names it alone, else its slug, else its ID; every
// later command then finds it (not "matches several").
func TestSwitchSavesAnUnambiguousSelection(t *testing.T) {
	u, _ := loggedIn(t)
	create := func(args ...string) string {
		var v struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal([]byte(ok(t, u.run(append(args, "--format", "json")...))), &v))
		return v.ID
	}
	saved := func() *config.Config {
		c, err := config.Load(u.configFile())
		require.NoError(t, err)
		return c
	}

	delta := create("project", "create", "delta", "--slug", "delta2")
	create("project", "create", "Alpha2", "--slug", "delta")
	x := create("project", "create", "x", "--slug", "y")
	create("project", "create", "y", "--slug", "x")
	for _, tc := range []struct{ sel, name, want string }{
		{delta, "delta", "delta2"}, // the name is the other's slug: the slug
		{x, "x", x},                // name and slug both the other's: the ID
		{"Test Project", "Test Project", "Test Project"}, // the name names it alone
	} {
		ok(t, u.run("project", "switch", tc.sel))
		assert.Equal(t, tc.want, saved().Project)
		assert.Contains(t, ok(t, u.run("whoami")), "Project: "+tc.name+"\n")
		ok(t, u.run("check", "list"))
	}

	omega := create("org", "create", "omega", "--slug", "omega2")
	create("org", "create", "Beta2", "--slug", "omega")
	ok(t, u.run("org", "switch", omega))
	assert.Equal(t, "omega2", saved().Org)
	assert.Contains(t, ok(t, u.run("whoami")), "Organization: omega\n")
	ok(t, u.run("project", "create", "Main"))
	ok(t, u.run("project", "switch", "Main"))
	assert.Equal(t, "omega2", saved().Org)
	ok(t, u.run("check", "list"))
}
