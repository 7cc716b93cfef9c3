package server

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/pakyas/pakyas/core"
)

// Status badges: GET /badge/<badge-key>/<slug>.svg (or .json, the
// shields.io endpoint format) shows a check's status, and <all>.svg the
// project's worst, to anyone with the URL: the key is the project's badge
// key, random and unrelated to any ID, so a check's ping URL does not give
// its badge away. An unknown key or slug is 404.

// badgeLook is how a status looks on a badge.
type badgeLook struct {
	message, color, shields string
}

var badgeLooks = map[core.Status]badgeLook{
	core.StatusNew:         {"new", "#9f9f9f", "lightgrey"},
	core.StatusUp:          {"up", "#4c1", "brightgreen"},
	core.StatusRunning:     {"running", "#007ec6", "blue"},
	core.StatusLate:        {"late", "#dfb317", "yellow"},
	core.StatusDown:        {"down", "#e05d44", "red"},
	core.StatusFailed:      {"failed", "#e05d44", "red"},
	core.StatusOverrunning: {"overrunning", "#fe7d37", "orange"},
	core.StatusPaused:      {"paused", "#9f9f9f", "lightgrey"},
}

// badgeRank orders statuses for a project's badge: the worst shows.
var badgeRank = map[core.Status]int{
	core.StatusPaused: 0, core.StatusNew: 1, core.StatusUp: 2, core.StatusRunning: 2,
	core.StatusLate: 3, core.StatusOverrunning: 4, core.StatusFailed: 5, core.StatusDown: 5,
}

func (s *Server) handleBadge(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, asJSON := strings.CutSuffix(file, ".json")
	if !asJSON {
		var ok bool
		if name, ok = strings.CutSuffix(file, ".svg"); !ok {
			http.NotFound(w, r)
			return
		}
	}
	ctx := r.Context()
	p, err := s.store.ProjectByBadgeKey(ctx, r.PathValue("key"))
	if err != nil {
		s.badgeLookupFailed(w, r, err)
		return
	}
	var st core.Status
	label := name
	if name == projectBadge {
		checks, err := s.store.Checks(ctx, p.ID)
		if err != nil {
			s.badgeLookupFailed(w, r, err)
			return
		}
		st, label = core.StatusNew, p.Name
		for i := range checks {
			if d := checks[i].DisplayStatus(); i == 0 || badgeRank[d] > badgeRank[st] {
				st = d
			}
		}
	} else {
		ch, err := s.store.CheckBySlug(ctx, p.ID, name)
		if err != nil {
			s.badgeLookupFailed(w, r, err)
			return
		}
		st = ch.DisplayStatus()
	}
	look, ok := badgeLooks[st]
	if !ok {
		look = badgeLooks[core.StatusNew]
	}
	w.Header().Set("Cache-Control", "no-cache, max-age=0")
	if asJSON {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"schemaVersion": 1, "label": label, "message": look.message, "color": look.shields})
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = w.Write([]byte(badgeSVG(label, look.message, look.color)))
}

func (s *Server) badgeLookupFailed(w http.ResponseWriter, r *http.Request, err error) {
	if core.IsNotFound(err) {
		http.NotFound(w, r)
		return
	}
	s.logf("badge: %v", err)
	http.Error(w, "badge unavailable", http.StatusServiceUnavailable)
}

// badgeSVG draws a flat two-part badge: label on grey, message on color.
func badgeSVG(label, message, color string) string {
	width := func(s string) int { return 10 + 7*len([]rune(s)) }
	lw, mw := width(label), width(message)
	label, message = html.EscapeString(label), html.EscapeString(message)
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%[1]d" height="20" role="img" aria-label="%[4]s: %[5]s">`+
		`<title>%[4]s: %[5]s</title>`+
		`<rect width="%[2]d" height="20" fill="#555"/><rect x="%[2]d" width="%[3]d" height="20" fill="%[6]s"/>`+
		`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`+
		`<text x="%[7]d" y="14">%[4]s</text><text x="%[8]d" y="14">%[5]s</text></g></svg>`,
		lw+mw, lw, mw, label, message, color, lw/2, lw+mw/2)
}

// projectBadge is the badge name of the whole project (its worst status),
// so no check may have it as its slug.
const projectBadge = "all"
