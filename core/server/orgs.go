package server

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

// getMe serves GET /api/v1/me: the caller, its key and its organizations
// with their projects.
func (s *Server) getMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	me := api.Me{
		User: api.User{ID: c.user.ID, Email: c.user.Email, Name: c.user.Name},
		Key:  apiKey(*c.key),
		Orgs: []api.Org{},
	}
	for _, o := range c.orgs {
		ao := apiOrg(o)
		ps, err := s.store.Projects(r.Context(), o.ID)
		if err != nil {
			return err
		}
		ao.Projects = []api.Project{}
		for _, p := range ps {
			ao.Projects = append(ao.Projects, apiProject(p))
		}
		me.Orgs = append(me.Orgs, ao)
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request, c *caller) error {
	out := make([]api.Org, 0, len(c.orgs))
	for _, o := range c.orgs {
		out = append(out, apiOrg(o))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// MaxNameLen is the longest name (in bytes) of an organization,
// project, channel or check.
const MaxNameLen = 200

func validName(what, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLen {
		return "", invalid("%s name must be 1 to %d characters", what, MaxNameLen).WithHint("pass a name, e.g. \"Production\"")
	}
	if i := strings.IndexFunc(name, unicode.IsControl); i >= 0 {
		return "", invalid("%s name %q holds a control character (%U)", what, name, []rune(name[i:])[0]).
			WithHint("names are one line of printable text")
	}
	return name, nil
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in api.NameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	name, err := validName("organization", in.Name)
	if err != nil {
		return err
	}
	o := core.Org{ID: uuid.NewString(), Name: name, CreatedAt: s.clock.Now(), Slug: in.Slug}
	if err := validParentSlug("organization", o.EffectiveSlug(), in.Slug != ""); err != nil {
		return err
	}
	for _, other := range c.orgs {
		if strings.EqualFold(other.Name, name) {
			return core.Errorf(core.ECONFLICT, "you already belong to an organization named %q", other.Name).
				WithHint("choose another name, or use the existing one (its ID is in 'pakyas org list')")
		}
		if other.EffectiveSlug() == o.EffectiveSlug() {
			return core.Errorf(core.ECONFLICT, "you already belong to an organization with the slug %q (%q)", other.EffectiveSlug(), other.Name).
				WithHint("give this one another slug: --slug NAME")
		}
	}
	err = s.store.Update(r.Context(), func(q core.Queries) error {
		if err := q.CreateOrg(r.Context(), &o); err != nil {
			return err
		}
		return q.AddMember(r.Context(), o.ID, c.user.ID, core.RoleOwner)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiOrg(o))
	return nil
}

func (s *Server) org(c *caller, id string) (*core.Org, error) {
	for _, o := range c.orgs {
		if o.ID == id {
			return &o, nil
		}
	}
	return nil, notFound("organization")
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.org(c, r.PathValue("org"))
	if err != nil {
		return err
	}
	ps, err := s.store.Projects(r.Context(), o.ID)
	if err != nil {
		return err
	}
	out := make([]api.Project, 0, len(ps))
	for _, p := range ps {
		out = append(out, apiProject(p))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.org(c, r.PathValue("org"))
	if err != nil {
		return err
	}
	var in api.NameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	name, err := validName("project", in.Name)
	if err != nil {
		return err
	}
	ps, err := s.store.Projects(r.Context(), o.ID)
	if err != nil {
		return err
	}
	p := core.Project{ID: uuid.NewString(), OrgID: o.ID, Name: name, CreatedAt: s.clock.Now(), Slug: in.Slug, BadgeKey: NewPingKey()}
	if err := validParentSlug("project", p.EffectiveSlug(), in.Slug != ""); err != nil {
		return err
	}
	for _, other := range ps {
		if strings.EqualFold(other.Name, name) {
			return core.Errorf(core.ECONFLICT, "organization %q already has a project named %q", o.Name, other.Name).
				WithHint("choose another name, or use the existing project (its ID is in 'pakyas project list')")
		}
		if other.EffectiveSlug() == p.EffectiveSlug() {
			return core.Errorf(core.ECONFLICT, "organization %q already has a project with the slug %q (%q)", o.Name, other.EffectiveSlug(), other.Name).
				WithHint("give this one another slug: --slug NAME")
		}
	}
	if err := s.store.CreateProject(r.Context(), &p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiProject(p))
	return nil
}

// validParentSlug checks an organization's or project's slug: given, it
// must be a valid slug; made from the name, the name must make one.
func validParentSlug(what, slug string, given bool) error {
	if core.ValidSlug(slug) {
		return nil
	}
	if given {
		return invalid("invalid %s slug %q: use 1 to 100 lowercase letters, digits, '-' and '_'", what, slug).
			WithHint("e.g. --slug my-%s", what)
	}
	return invalid("the %s's name makes no slug (it needs a letter or a digit)", what).
		WithHint("give one: --slug my-%s", what)
}
