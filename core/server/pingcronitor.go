package server

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/pakyas/pakyas/core/api"
)

// cronitorSeries is the namespace of the run ids made from Cronitor's
// series parameter: the same series always makes the same run id, so a
// run's start and its finish pair up.
var cronitorSeries = uuid.MustParse("6f1d3c1e-5b0e-4c5a-9d0f-7a2c8e4b9a11")

// handleCronitor serves Cronitor's telemetry form, GET/POST
// /p/<ping-key>/<monitor-key>, so jobs that call cronitor.link change only
// the base URL: the key is the project's ping key, the monitor key the
// check's slug. Its parameters map onto a signal: state=run (start),
// complete or ok (success; a non-zero status_code makes it a failure),
// fail (failure), none (success); status_code the exit code; duration in
// seconds; series pairs a run's events (a run id made from it); message
// the output when there is no body; host.
func (s *Server) handleCronitor(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	action := ""
	switch strings.ToLower(q.Get("state")) {
	case "", "complete", "ok":
	case "run":
		action = "start"
	case "fail":
		action = "fail"
	default:
		pingText(w, r, http.StatusBadRequest, "invalid state "+strconvQuote(q.Get("state"))+": use run, complete, ok or fail")
		return
	}
	if code := q.Get("status_code"); code != "" && action != "start" {
		n, err := strconv.Atoi(code)
		if err != nil || n < 0 || n > 255 {
			pingText(w, r, http.StatusBadRequest, "invalid status_code "+strconvQuote(code)+": an exit code from 0 to 255")
			return
		}
		if n != 0 || action == "" {
			action = code // as /ping/<uuid>/<exit code>: non-zero fails
		}
	}
	// The run id and duration in Pakyas's own parameters, for parsePing.
	q.Del(api.ParamRunID)
	q.Del(api.ParamDuration)
	if series := q.Get("series"); series != "" {
		q.Set(api.ParamRunID, uuid.NewSHA1(cronitorSeries, []byte(series)).String())
	}
	if d := q.Get("duration"); d != "" {
		sec, err := strconv.ParseFloat(d, 64)
		if err != nil || math.IsNaN(sec) || sec < 0 || math.IsInf(sec, 0) || sec*1000 > float64(maxDurationMS) {
			pingText(w, r, http.StatusBadRequest, "invalid duration "+strconvQuote(d)+": seconds, e.g. 12.5")
			return
		}
		q.Set(api.ParamDuration, strconv.FormatInt(int64(math.Round(sec*1000)), 10))
	}
	r.URL.RawQuery = q.Encode()
	if msg := q.Get("message"); msg != "" && !hasBody(r) {
		// No body: the message is the output.
		r.Body = io.NopCloser(strings.NewReader(truncate(msg, 2000)))
	}
	s.pingSlug(w, r, r.PathValue("key"), r.PathValue("monitor"), action)
}

func strconvQuote(s string) string { return strconv.Quote(truncate(s, 64)) }

// hasBody reports whether r carries a body of at least one byte: a
// chunked body's length is not known until it is read, so its first byte
// is read ahead (and kept).
func hasBody(r *http.Request) bool {
	switch {
	case r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0:
		return false
	case r.ContentLength > 0:
		return true
	}
	br := bufio.NewReader(r.Body)
	if _, err := br.Peek(1); err != nil {
		return false
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	return true
}
