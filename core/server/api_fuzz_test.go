package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzCheckBody sends odd JSON bodies to the check routes: none may crash
// the server, and every refusal is a 4xx with an error and a hint.
func FuzzCheckBody(f *testing.F) {
	s, _, c, key := newTestServer(f)
	s.Start()
	f.Cleanup(s.Stop)
	h := s.Handler()
	for _, seed := range []string{
		`{}`, `null`, `[]`, `{"name":"x"}`, `{"period":-1}`, `{"period":9223372036854775807}`,
		`{"grace":-9223372036854775808}`, `{"cron":"@daily","tz":"Europe/Berlin"}`, `{"cron":"0 0 30 2 *"}`,
		`{"slug":""}`, `{"name":"` + strings.Repeat("é", 150) + `"}`, `{"max_runtime":31536001}`, `{"tz":"UTC"}`,
		`{"name":"a"}{"name":"b"}`, `{"name":"\u0000"}`, `{"period":1e3}`, `{"cron":"* * * * * *"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []struct{ method, path string }{
			{"POST", "/api/v1/projects/" + c.ProjectID + "/checks"},
			{"PATCH", "/api/v1/checks/" + c.ID},
		} {
			r := httptest.NewRequest(target.method, "http://127.0.0.1"+target.path, strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+key)
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			switch {
			case w.Code == http.StatusOK || w.Code == http.StatusCreated:
			case w.Code >= 400 && w.Code < 500:
				if !strings.Contains(w.Body.String(), `"hint"`) {
					t.Errorf("%s %s %q: %d without a hint: %s", target.method, target.path, body, w.Code, w.Body)
				}
			default:
				t.Fatalf("%s %s %q: %d %s", target.method, target.path, body, w.Code, w.Body)
			}
		}
	})
}
