package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

const maxTimelinePage = 1000

// getTimeline serves GET /api/v1/checks/{ref}/timeline?before=&limit=&kind=.
func (s *Server) getTimeline(w http.ResponseWriter, r *http.Request, c *caller) error {
	ch, err := s.check(r.Context(), c, r.PathValue("ref"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page := core.TimelinePage{Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTimelinePage {
			return invalid("invalid limit %q: use 1 to %d", v, maxTimelinePage).
				WithHint("pass ?limit= with a number from 1 to %d (default 50)", maxTimelinePage)
		}
		page.Limit = n
	}
	if v := q.Get("before"); v != "" {
		at, id, err := parseCursor(v)
		if err != nil {
			return invalid("invalid cursor %q", v).WithHint("pass the next_cursor of the previous page unchanged")
		}
		page.BeforeAt, page.BeforeID = at, id
	}
	for _, k := range q["kind"] {
		for _, kind := range strings.Split(k, ",") {
			switch ek := core.EntryKind(kind); ek {
			case core.EntrySignal, core.EntryTransition, core.EntryAlert, core.EntryNote:
				page.Kinds = append(page.Kinds, ek)
			default:
				return invalid("invalid kind %q: use signal, transition, alert or note", kind).
					WithHint("pass ?kind= with a comma-separated list, e.g. ?kind=signal,transition")
			}
		}
	}
	entries, err := s.store.Timeline(r.Context(), ch.ID, page)
	if err != nil {
		return err
	}
	out := api.TimelinePage{Entries: make([]api.TimelineEntry, 0, len(entries))}
	for i := range entries {
		out.Entries = append(out.Entries, s.apiEntry(&entries[i]))
	}
	if len(entries) == page.Limit {
		last := entries[len(entries)-1]
		out.NextCursor = fmt.Sprintf("%d_%d", last.At.UnixNano(), last.ID)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func parseCursor(v string) (time.Time, int64, error) {
	a, b, ok := strings.Cut(v, "_")
	if !ok {
		return time.Time{}, 0, fmt.Errorf("no separator")
	}
	ns, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return time.Time{}, 0, err
	}
	id, err := strconv.ParseInt(b, 10, 64)
	if err != nil {
		return time.Time{}, 0, err
	}
	return time.Unix(0, ns).UTC(), id, nil
}
