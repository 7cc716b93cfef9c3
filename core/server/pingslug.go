package server

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// NewPingKey returns a new project ping key: 22 URL-safe characters (128
// random bits), as healthchecks' token_urlsafe(16).
func NewPingKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pingSlug records a ping of the check with that slug in the project with
// that ping key, as healthchecks' ping_by_slug: 404 "not found" for an
// unknown key or slug; with ?create=1 (exactly "1") a missing check is
// created first (named after its slug, with the default schedule) and the
// answer is 201 "Created". A slug with capitals is 400 "invalid url
// format", as hc-ping.com answers it.
func (s *Server) pingSlug(w http.ResponseWriter, r *http.Request, key, slug, action string) {
	if slug != strings.ToLower(slug) {
		pingText(w, r, http.StatusBadRequest, "invalid url format")
		return
	}
	if !storable(key) || !storable(slug) {
		// No ping key or slug holds such bytes (and PostgreSQL refuses
		// to look them up).
		pingText(w, r, http.StatusNotFound, "not found")
		return
	}
	ctx := r.Context()
	p, err := s.store.ProjectByPingKey(ctx, key)
	if err != nil {
		s.pingLookupFailed(w, r, err)
		return
	}
	ch, err := s.store.CheckBySlug(ctx, p.ID, slug)
	created := false
	if core.IsNotFound(err) && r.URL.Query().Get("create") == "1" && core.ValidSlug(slug) && slug != projectBadge {
		ch, created, err = s.provision(r, p, slug)
	}
	if err != nil {
		s.pingLookupFailed(w, r, err)
		return
	}
	noCache(w)
	sig, err := s.parsePing(r, action)
	if err != nil {
		pingText(w, r, httpStatus[core.ErrorCode(err)], core.ErrorMessage(err))
		return
	}
	if err := s.ingest.submit(ctx, ch.PublicID, sig); err != nil {
		s.pingRefused(w, r, ch.PublicID, err)
		return
	}
	if created {
		pingOK(w, r, http.StatusCreated, "Created")
		return
	}
	pingOK(w, r, http.StatusOK, "OK")
}

func (s *Server) pingLookupFailed(w http.ResponseWriter, r *http.Request, err error) {
	if core.IsNotFound(err) {
		pingText(w, r, http.StatusNotFound, "not found")
		return
	}
	s.logf("ping by slug: %v", err)
	pingText(w, r, http.StatusInternalServerError, core.ErrorMessage(err))
}

// provision creates the check slug in project p for a ping with
// ?create=1. A check made meanwhile by another request is used instead.
func (s *Server) provision(r *http.Request, p *core.Project, slug string) (*core.Check, bool, error) {
	now := s.clock.Now()
	ch := &core.Check{
		ID: uuid.NewString(), PublicID: uuid.NewString(), OrgID: p.OrgID, ProjectID: p.ID,
		Name: slug, Slug: slug,
		Schedule:  core.Schedule{Kind: core.SchedulePeriod, Period: defaultPeriod, Grace: defaultGrace},
		CreatedAt: now, UpdatedAt: now, State: status.NewState(now),
	}
	ch.State = status.Reschedule(ch, now).State
	err := s.store.CreateCheck(r.Context(), ch)
	if core.ErrorCode(err) == core.ECONFLICT {
		ch, err = s.store.CheckBySlug(r.Context(), p.ID, slug)
		return ch, false, err
	}
	return ch, err == nil, err
}

// newPingKey serves POST /api/v1/projects/{project}/ping-key: it makes the
// project a new ping key (replacing the old one, whose slug URLs stop
// working) and answers the project with it.
func (s *Server) newPingKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := s.project(r.Context(), c, r.PathValue("project"))
	if err != nil {
		return err
	}
	p.PingKey = NewPingKey()
	if err := s.store.SetPingKey(r.Context(), p.ID, p.PingKey); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiProject(*p))
	return nil
}

// storable reports whether s is text a database can hold: valid UTF-8
// without NUL.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
