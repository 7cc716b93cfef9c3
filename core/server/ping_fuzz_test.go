package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	pathpkg "path"
	"strings"
	"testing"
)

// FuzzPing sends odd actions, queries and bodies to the ping handler: none
// may crash it, and every answer is one the docs list.
func FuzzPing(f *testing.F) {
	s, _, c := newTestCheck(f)
	s.Start()
	f.Cleanup(s.Stop)
	h := s.Handler()
	for _, seed := range [][3]string{
		{"", "", ""}, {"start", "rid=3f8e0c7a-1d2b-4c5d-9e6f-7a8b9c0d1e2f", ""}, {"fail", "ts=1736157600000", "x"},
		{"log", "ts=2025-01-06T09:59:00Z&duration_ms=5", "out"}, {"255", "host=h", ""}, {"007", "", ""},
		{"-1", "ts=-9223372036854775808", ""}, {"0", "ts=9223372036854775807", "\xff\xfe"},
		{"start", "rid={3F8E0C7A-1D2B-4C5D-9E6F-7A8B9C0D1E2F}", ""}, {"x", "duration_ms=99999999999999999999", ""},
		{".", "", ""}, {"..", "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, action, query, body string) {
		path := "/ping/" + c.PublicID
		if action != "" {
			path += "/" + url.PathEscape(action)
		}
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			r := httptest.NewRequest(m, "http://127.0.0.1"+path, strings.NewReader(body))
			r.URL.RawQuery = query
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			switch w.Code {
			case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
			case http.StatusMovedPermanently, http.StatusTemporaryRedirect:
				// "." and ".." segments: to the clean path.
				if loc, _, _ := strings.Cut(w.Header().Get("Location"), "?"); loc != pathpkg.Clean(path) {
					t.Fatalf("%s %s?%s: %d to %q", m, path, query, w.Code, loc)
				}
			default:
				t.Fatalf("%s %s?%s: %d %s", m, path, query, w.Code, w.Body)
			}
		}
	})
}
