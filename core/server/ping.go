package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

// The ping endpoints follow healthchecks.io's own ping views (hc/api
// views.py: ping, ping_by_slug) to the letter, so that curl lines,
// runitor and healthchecks' client libraries work unchanged; docs/api.md
// says where Pakyas differs.

// handlePing serves /ping/<uuid> and /ping/<uuid>/.
func (s *Server) handlePing(w http.ResponseWriter, r *http.Request) {
	s.pingUUID(w, r, r.PathValue("id"), "")
}

// handlePing2 serves /ping/{a}/{b}: /ping/<uuid>/<action> when a is a
// UUID and b an action (start, fail, log or an exit status), else
// /ping/<ping-key>/<slug>, as healthchecks' URL patterns resolve them.
func (s *Server) handlePing2(w http.ResponseWriter, r *http.Request) {
	a, b := r.PathValue("a"), r.PathValue("b")
	if core.CanonicalUUID(a, false) && pingAction(b) {
		s.pingUUID(w, r, a, b)
		return
	}
	s.pingSlug(w, r, a, b, "")
}

// handlePing3 serves /ping/<ping-key>/<slug>/<action>.
func (s *Server) handlePing3(w http.ResponseWriter, r *http.Request) {
	if !pingAction(r.PathValue("action")) {
		pingText(w, r, http.StatusNotFound, "not found")
		return
	}
	s.pingSlug(w, r, r.PathValue("key"), r.PathValue("slug"), r.PathValue("action"))
}

// pingAction reports whether s names a ping action: start, fail, log, or
// an exit status (digits).
func pingAction(s string) bool {
	switch s {
	case "start", "fail", "log":
		return true
	}
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// pingUUID records a ping of the check with that public ID. Like
// healthchecks, an unknown check is 404 "not found" before anything about
// the request is judged; a known one with an exit status over 255 is 400
// "invalid url format", with a malformed rid 400 "invalid uuid format".
func (s *Server) pingUUID(w http.ResponseWriter, r *http.Request, publicID, action string) {
	noCache(w)
	if !core.CanonicalUUID(publicID, false) {
		pingText(w, r, http.StatusNotFound, "not found")
		return
	}
	sig, err := s.parsePing(r, action)
	if err != nil {
		// The request is wrong, but healthchecks answers 404 for an
		// unknown check first: one read, on this rare path only.
		if _, lerr := s.store.CheckByPublicID(r.Context(), publicID); core.IsNotFound(lerr) {
			pingText(w, r, http.StatusNotFound, "not found")
			return
		}
		pingText(w, r, httpStatus[core.ErrorCode(err)], core.ErrorMessage(err))
		return
	}
	if err := s.ingest.submit(r.Context(), publicID, sig); err != nil {
		s.pingRefused(w, r, publicID, err)
		return
	}
	pingOK(w, r, http.StatusOK, "OK")
}

func (s *Server) pingRefused(w http.ResponseWriter, r *http.Request, publicID string, err error) {
	code := core.ErrorCode(err)
	switch code {
	case core.ENOTFOUND:
		pingText(w, r, http.StatusNotFound, "not found")
		return
	case core.EUNAVAILABLE:
		w.Header().Set("Retry-After", "1")
	case core.EINTERNAL:
		s.logf("ping %s: %v", publicID, err)
	}
	pingText(w, r, httpStatus[code], core.ErrorMessage(err))
}

// noCache sets healthchecks' never_cache headers.
func noCache(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
	h.Set("Expires", time.Now().UTC().Format(http.TimeFormat))
}

// pingOK answers an accepted ping: with the body limit and, as
// healthchecks does, CORS for browsers.
func pingOK(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set(api.PingBodyLimitHeader, strconv.Itoa(core.MaxBodySize))
	w.Header().Set("Access-Control-Allow-Origin", "*")
	pingText(w, r, status, msg)
}

func pingText(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	noCache(w) // every answer of a ping endpoint, errors too
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, msg)
	}
}

// pingAddr is the address a ping is recorded from, as healthchecks
// records it: the first X-Forwarded-For entry (without an IPv4 port),
// else the peer's address. It is shown, never trusted.
func pingAddr(r *http.Request) string {
	addr := r.Header.Get("X-Forwarded-For")
	if addr == "" {
		return hostOf(r.RemoteAddr)
	}
	addr, _, _ = strings.Cut(addr, ",")
	addr = strings.TrimSpace(addr)
	if strings.Contains(addr, ".") && strings.Contains(addr, ":") {
		addr, _, _ = strings.Cut(addr, ":")
	}
	return cleanText(addr, 64)
}

// maxDurationMS is api.MaxDuration in milliseconds.
const maxDurationMS = int64(api.MaxDuration / time.Millisecond)

// parsePing turns a ping request with action ("", start, fail, log or
// an exit status) into a signal (without its check).
func (s *Server) parsePing(r *http.Request, action string) (core.Signal, error) {
	now := s.clock.Now()
	sig := core.Signal{
		Kind:       core.SignalSuccess,
		OccurredAt: now,
		ReceivedAt: now,
		Method:     r.Method,
		RemoteAddr: pingAddr(r),
		UserAgent:  cleanText(r.UserAgent(), 200),
	}
	switch action {
	case "":
	case "start":
		sig.Kind = core.SignalStart
	case "fail":
		sig.Kind = core.SignalFail
	case "log":
		sig.Kind = core.SignalLog
	default:
		// Digits, leading zeros allowed, as healthchecks' <int:exitstatus>.
		code, err := strconv.Atoi(action)
		if err != nil || code < 0 || code > 255 {
			return sig, invalid("invalid url format")
		}
		sig.ExitCode = &code
		if code != 0 {
			sig.Kind = core.SignalFail
		}
	}
	q := r.URL.Query()
	if rids, ok := q[api.ParamRunID]; ok {
		// The canonical form only, as healthchecks (capitals are accepted
		// since 2025); the last one when repeated; stored in lowercase so
		// a start and its finish pair up.
		rid := rids[len(rids)-1]
		if !core.CanonicalUUID(rid, true) {
			return sig, invalid("invalid uuid format")
		}
		sig.RunID = strings.ToLower(rid)
	}
	sig.Host = cleanText(q.Get(api.ParamHost), 255)
	if d := q.Get(api.ParamDuration); d != "" {
		ms, err := strconv.ParseInt(d, 10, 64)
		if err != nil || ms < 0 || ms > maxDurationMS {
			return sig, invalid("invalid %s %q: must be a whole number of milliseconds from 0 to %d (a year)", api.ParamDuration, d, maxDurationMS)
		}
		sig.Duration = time.Duration(ms) * time.Millisecond
	}
	if ts := q.Get(api.ParamTime); ts != "" {
		t, err := parseTime(ts)
		if err != nil {
			return sig, invalid("invalid %s %q: use RFC 3339 (2025-01-02T10:00:00Z) or unix milliseconds", api.ParamTime, ts)
		}
		if t.After(now.Add(s.cfg.MaxSkew)) {
			return sig, invalid("%s %s is in the future (server time %s)", api.ParamTime, ts, now.UTC().Format(time.RFC3339))
		}
		if t.Before(now.Add(-s.cfg.Retention)) {
			return sig, invalid("%s %s is older than the server's retention of %s", api.ParamTime, ts, s.cfg.Retention)
		}
		if t.Before(now) {
			sig.OccurredAt = t
		}
	}
	if r.Body != nil {
		// Whatever the method, as healthchecks reads request.body.
		body, err := io.ReadAll(io.LimitReader(r.Body, core.MaxBodySize+1))
		if err != nil {
			return sig, invalid("reading ping body: %v", err)
		}
		if len(body) > core.MaxBodySize {
			body, sig.Truncated = body[:core.MaxBodySize], true
			// Read the rest (up to pingDrain) so that the sender gets
			// its answer: a server that answers while the body is still
			// coming closes the connection under it (curl: "failed
			// sending data").
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, pingDrain))
		}
		sig.Body = body
	}
	return sig, nil
}

func parseTime(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// cleanText makes s, text a client sent in a header or the query, fit to
// store and show on one line: invalid bytes become U+FFFD, control
// characters (NUL among them) are dropped, and it is cut to at most n
// bytes on a character boundary. PostgreSQL's TEXT refuses invalid UTF-8
// and NUL: kept, they failed the ping's whole batch.
func cleanText(s string, n int) string {
	if printableASCII(s) {
		return truncate(s, n) // the common case: nothing to clean
	}
	var b strings.Builder
	for _, r := range s { // each invalid byte is one utf8.RuneError (U+FFFD)
		if unicode.IsControl(r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > n {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// printableASCII reports whether s is all printable ASCII.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// truncate cuts s to at most n bytes, on a character boundary (when the
// bytes there are UTF-8).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := n; i > 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:n]
}

// pingDrain is how much of a ping body past core.MaxBodySize is read and
// dropped, so that its sender still gets the answer; past it the
// connection is closed.
const pingDrain = 16 << 20
