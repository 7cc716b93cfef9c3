package server

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request, c *caller) error {
	keys, err := s.store.APIKeys(r.Context(), c.user.ID)
	if err != nil {
		return err
	}
	out := make([]api.APIKey, 0, len(keys))
	for _, k := range keys {
		out = append(out, apiKey(k))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in api.NameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	name := "key"
	if strings.TrimSpace(in.Name) != "" {
		var err error
		if name, err = validName("key", in.Name); err != nil {
			return err
		}
	}
	secret, rec, err := NewAPIKey(c.user.ID, name, s.clock.Now())
	if err != nil {
		return err
	}
	if err := s.store.CreateAPIKey(r.Context(), &rec); err != nil {
		return err
	}
	out := apiKey(rec)
	out.Key = secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil {
		return notFound("API key")
	}
	keys, err := s.store.APIKeys(r.Context(), c.user.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.ID == id {
			if err := s.store.RevokeAPIKey(r.Context(), id, s.clock.Now()); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
	}
	return core.Errorf(core.ENOTFOUND, "API key not found").WithHint("list your keys with 'pakyas key list'")
}
