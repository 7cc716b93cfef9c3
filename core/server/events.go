package server

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/pakyas/pakyas/core"
)

// eventsPoll is how often a dashboard stream looks for changes. It reads
// the database, not this process's memory, so a change made through any
// replica shows within this time.
const eventsPoll = time.Second

// eventsKeepAlive is how often an idle stream sends a comment, so proxies
// keep it open and the browser notices a dead connection.
const eventsKeepAlive = 15 * time.Second

// handleEvents serves GET /events?project=ID or ?check=ID: a Server-Sent
// Events stream that sends "changed" whenever what the overview of that
// project (or the check page) shows has changed. With &fp=, the
// fingerprint of what the page was rendered from (eventsURL), it sends
// "changed" at once when that differs from now: a change between the
// page's render and the stream's start (or during a reconnect) is not
// missed.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	c := s.sessionCaller(w, r)
	if c == nil {
		return
	}
	var fingerprint func(ctx context.Context) (string, error)
	switch q := r.URL.Query(); {
	case q.Get("check") != "":
		ch, err := s.check(r.Context(), c, q.Get("check"))
		if err != nil {
			http.Error(w, "no such check", http.StatusNotFound)
			return
		}
		fingerprint = func(ctx context.Context) (string, error) {
			fp, _, err := s.checkFingerprint(ctx, ch.ID)
			return fp, err
		}
	case q.Get("project") != "":
		p, err := s.project(r.Context(), c, q.Get("project"))
		if err != nil {
			http.Error(w, "no such project", http.StatusNotFound)
			return
		}
		fingerprint = func(ctx context.Context) (string, error) { return s.projectFingerprint(ctx, p.ID) }
	default:
		http.Error(w, "events of what? ?project=ID or ?check=ID", http.StatusBadRequest)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	last, err := fingerprint(r.Context())
	if err != nil {
		return
	}
	fmt.Fprint(w, "retry: 2000\n: connected\n\n")
	if seen, err := hex.DecodeString(r.URL.Query().Get("fp")); err == nil && len(seen) > 0 && string(seen) != last {
		fmt.Fprint(w, "event: changed\ndata: {}\n\n")
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(eventsPoll)
	defer tick.Stop()
	idle := time.Now()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.streamsDone():
			return
		case <-tick.C:
		}
		fp, err := fingerprint(r.Context())
		switch {
		case err != nil:
			continue // the database is away: the browser keeps what it has
		case fp != last:
			last, idle = fp, time.Now()
			fmt.Fprint(w, "event: changed\ndata: {}\n\n")
		case time.Since(idle) >= eventsKeepAlive:
			idle = time.Now()
			fmt.Fprint(w, ": keep-alive\n\n")
		default:
			continue
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// eventsURL returns the event stream of a page rendered from what
// fingerprint fp was taken of: kind is "project" or "check".
func eventsURL(kind, id, fp string) string {
	return "/events?" + kind + "=" + url.QueryEscape(id) + "&fp=" + hex.EncodeToString([]byte(fp))
}

// projectFingerprint changes whenever the overview of the project would.
func (s *Server) projectFingerprint(ctx context.Context, projectID string) (string, error) {
	checks, err := s.store.Checks(ctx, projectID)
	if err != nil {
		return "", err
	}
	return checksFingerprint(checks), nil
}

// checksFingerprint is projectFingerprint of the project's checks.
func checksFingerprint(checks []core.Check) string {
	h := sha256.New()
	for i := range checks {
		writeCheckState(h, &checks[i])
	}
	return string(h.Sum(nil))
}

// checkFingerprint changes whenever the check page would: with the check,
// and with every timeline entry added (the largest entry ID), also one
// dated before the newest (a signal delivered late), which the head of the
// timeline, ordered by time, would not show. It returns the check it was
// taken of.
func (s *Server) checkFingerprint(ctx context.Context, checkID string) (string, *core.Check, error) {
	c, err := s.store.Check(ctx, checkID)
	if err != nil {
		return "", nil, err
	}
	last, err := s.store.LastTimelineID(ctx, checkID)
	if err != nil {
		return "", nil, err
	}
	h := sha256.New()
	writeCheckState(h, c)
	_ = binary.Write(h, binary.LittleEndian, last)
	return string(h.Sum(nil)), c, nil
}

func writeCheckState(h interface{ Write([]byte) (int, error) }, c *core.Check) {
	st := c.State
	fmt.Fprintf(h, "%s|%s|%s|%d|%d|%d|%d|%d\n", c.ID, c.Name, st.Status, st.LastSignalAt.UnixNano(),
		st.NextEvalAt.UnixNano(), st.StatusSince.UnixNano(), c.UpdatedAt.UnixNano(), len(st.OpenRuns))
}

// streamsDone is closed when the server shuts down: event streams end, so
// the shutdown does not wait for browsers.
func (s *Server) streamsDone() <-chan struct{} { return s.streamsQuit }

// closeStreams ends every event stream.
func (s *Server) closeStreams() {
	s.streamsOnce.Do(func() { close(s.streamsQuit) })
}
