package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/alert"
	"github.com/pakyas/pakyas/core/api"
)

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.org(c, r.PathValue("org"))
	if err != nil {
		return err
	}
	chs, err := s.store.Channels(r.Context(), o.ID)
	if err != nil {
		return err
	}
	out := make([]api.Channel, 0, len(chs))
	for _, ch := range chs {
		out = append(out, apiChannel(ch))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.org(c, r.PathValue("org"))
	if err != nil {
		return err
	}
	var in api.ChannelInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	kind := core.ChannelKind(strings.ToLower(in.Kind))
	if _, ok := alert.LookupKind(kind); !ok {
		return invalid("invalid channel kind %q: use one of %s", in.Kind, alert.KindNames()).
			WithHint("pakyas channel kinds lists them, with what each target is")
	}
	name, err := validName("channel", in.Name)
	if err != nil {
		return err
	}
	target := strings.TrimSpace(in.Target)
	if err := alert.ValidateTarget(kind, target); err != nil {
		return err
	}
	if err := alert.ValidateSettings(kind, in.Settings); err != nil {
		return err
	}
	ch := core.Channel{ID: uuid.NewString(), OrgID: o.ID, Name: name, Kind: kind, Target: target, CreatedAt: s.clock.Now()}
	if len(in.Settings) > 0 {
		ch.Settings = in.Settings
	}
	if kind == core.ChannelWebhook {
		ch.Secret = alert.NewSecret()
	}
	if err := s.store.CreateChannel(r.Context(), &ch); err != nil {
		return err
	}
	out := apiChannel(ch)
	out.Secret = ch.Secret // shown this once
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) channel(ctx context.Context, c *caller, id string) (*core.Channel, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound("channel")
	}
	ch, err := s.store.Channel(ctx, id)
	if core.IsNotFound(err) || (err == nil && !c.inOrg(ch.OrgID)) {
		return nil, notFound("channel")
	}
	return ch, err
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request, c *caller) error {
	ch, err := s.channel(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.store.DeleteChannel(r.Context(), ch.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testChannel sends a test message through a channel now and reports the
// outcome; it does not go through the outbox.
func (s *Server) testChannel(w http.ResponseWriter, r *http.Request, c *caller) error {
	ch, err := s.channel(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	msg := core.AlertMessage{
		Name: "Test check", Slug: "test-check", Project: "",
		From: core.StatusUp, To: core.StatusDown,
		Reason: "this is a test alert sent by 'pakyas channel test'",
		At:     s.clock.Now(), Test: true, DeliveryID: "msg_test_" + uuid.NewString(),
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	if err := alert.Send(ctx, s.notifiers, *ch, msg); err != nil {
		s.metrics.alertFailed()
		writeJSON(w, http.StatusOK, api.Status{OK: false, Message: err.Error()})
		return nil
	}
	writeJSON(w, http.StatusOK, api.Status{OK: true, Message: "test alert delivered to " + string(ch.Kind) + " channel " + ch.Name})
	return nil
}
