package server

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

// handlePing serves /ping/{id} and /ping/{id}/{action}: GET, HEAD or POST,
// healthchecks.io compatible. The public ID is the secret; no API key.
func (s *Server) handlePing(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(api.PingBodyLimitHeader, strconv.Itoa(core.MaxBodySize))
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		pingText(w, r, http.StatusMethodNotAllowed, "method not allowed: use GET, HEAD or POST")
		return
	}
	sig, err := s.parsePing(r)
	if err != nil {
		pingText(w, r, httpStatus[core.ErrorCode(err)], core.ErrorMessage(err))
		return
	}
	publicID := r.PathValue("id")
	if err := s.ingest.submit(r.Context(), publicID, sig); err != nil {
		code := core.ErrorCode(err)
		if code == core.ENOTFOUND {
			pingText(w, r, http.StatusNotFound, "not found: no check has this ID")
			return
		}
		if code == core.EINTERNAL {
			s.logf("ping %s: %v", publicID, err)
		}
		pingText(w, r, httpStatus[code], core.ErrorMessage(err))
		return
	}
	pingText(w, r, http.StatusOK, "OK")
}

func pingText(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, msg)
	}
}

// maxDurationMS is the longest run duration a ping may report: a year.
const maxDurationMS = int64(366 * 24 * time.Hour / time.Millisecond)

// parsePing turns a ping request into a signal (without its check).
func (s *Server) parsePing(r *http.Request) (core.Signal, error) {
	now := s.clock.Now()
	sig := core.Signal{
		Kind:       core.SignalSuccess,
		OccurredAt: now,
		ReceivedAt: now,
		Method:     r.Method,
		RemoteAddr: r.RemoteAddr,
		UserAgent:  truncate(r.UserAgent(), 200),
	}
	if _, err := uuid.Parse(r.PathValue("id")); err != nil {
		return sig, notFound("check")
	}
	switch action := r.PathValue("action"); action {
	case "":
	case "start":
		sig.Kind = core.SignalStart
	case "fail":
		sig.Kind = core.SignalFail
	case "log":
		sig.Kind = core.SignalLog
	default:
		code, err := strconv.Atoi(action)
		if err != nil || code < 0 || code > 255 || strconv.Itoa(code) != action {
			return sig, invalid("invalid ping action %q: use start, fail, log or an exit code 0-255", action)
		}
		sig.ExitCode = &code
		if code != 0 {
			sig.Kind = core.SignalFail
		}
	}
	q := r.URL.Query()
	if rid := q.Get(api.ParamRunID); rid != "" {
		u, err := uuid.Parse(rid)
		if err != nil {
			return sig, invalid("invalid rid %q: must be a UUID", rid)
		}
		// One spelling per UUID (uuid.Parse also takes braces, urn:uuid:
		// and no hyphens), so a start and its finish pair up.
		sig.RunID = u.String()
	}
	sig.Host = truncate(q.Get(api.ParamHost), 255)
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
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, core.MaxBodySize+1))
		if err != nil {
			return sig, invalid("reading ping body: %v", err)
		}
		if len(body) > core.MaxBodySize {
			body, sig.Truncated = body[:core.MaxBodySize], true
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

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
