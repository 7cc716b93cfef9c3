package server

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/pakyas/pakyas/core/server/web"
)

// Handler returns the server's HTTP handler: the ping endpoints, the JSON
// API under /api/v1, /healthz and /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ping/{id}", s.handlePing)
	mux.HandleFunc("/ping/{id}/{$}", s.handlePing)
	mux.HandleFunc("/ping/{a}/{b}", s.handlePing2)
	mux.HandleFunc("/ping/{key}/{slug}/{action}", s.handlePing3)
	mux.HandleFunc("/p/{key}/{monitor}", s.handleCronitor)
	mux.HandleFunc("GET /badge/{key}/{file}", s.handleBadge)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /metrics", s.handleMetrics)

	a := func(pattern string, h func(http.ResponseWriter, *http.Request, *caller) error) {
		mux.Handle(pattern, s.authed(h))
	}
	a("GET /api/v1/me", s.getMe)
	a("GET /api/v1/orgs", s.listOrgs)
	a("POST /api/v1/orgs", s.createOrg)
	a("GET /api/v1/orgs/{org}/projects", s.listProjects)
	a("POST /api/v1/orgs/{org}/projects", s.createProject)
	a("GET /api/v1/orgs/{org}/channels", s.listChannels)
	a("POST /api/v1/orgs/{org}/channels", s.createChannel)
	a("POST /api/v1/projects/{project}/ping-key", s.newPingKey)
	a("GET /api/v1/projects/{project}/checks", s.listChecks)
	a("POST /api/v1/projects/{project}/checks", s.createCheck)
	a("GET /api/v1/projects/{project}/checks/{ref}", s.getProjectCheck)
	a("GET /api/v1/checks/{ref}", s.getCheck)
	a("PATCH /api/v1/checks/{ref}", s.updateCheck)
	a("DELETE /api/v1/checks/{ref}", s.deleteCheck)
	a("POST /api/v1/checks/{ref}/pause", s.pauseCheck)
	a("POST /api/v1/projects/{project}/pause", s.pauseProject)
	a("POST /api/v1/projects/{project}/resume", s.resumeProject)
	a("POST /api/v1/checks/{ref}/resume", s.resumeCheck)
	a("GET /api/v1/checks/{ref}/timeline", s.getTimeline)
	a("DELETE /api/v1/channels/{id}", s.deleteChannel)
	a("POST /api/v1/channels/{id}/test", s.testChannel)
	a("GET /api/v1/keys", s.listKeys)
	a("POST /api/v1/keys", s.createKey)
	a("DELETE /api/v1/keys/{id}", s.revokeKey)
	a("POST /api/v1/dashboard/link", s.createDashboardLink)
	mux.HandleFunc("/api/", s.apiNotFound)

	// The dashboard.
	mux.Handle("GET /{$}", s.dashboard(s.handleOverview))
	mux.Handle("GET /checks/{ref}", s.dashboard(s.handleCheck))
	mux.Handle("GET /events", s.dashboard(s.handleEvents))
	mux.Handle("POST /checks/{ref}/{action}", s.dashboard(s.handleCheckAction))
	mux.Handle("GET /signin/{token}", s.dashboard(s.handleSignIn))
	mux.Handle("POST /signout", s.dashboard(s.handleSignOut))
	mux.Handle("GET /static/", s.dashboard(http.StripPrefix("/static/", http.FileServerFS(web.Static())).ServeHTTP))
	return s.counted(mux)
}

// counted counts every request's handler in s.inflight, so that a shutdown
// can wait for them, and refuses requests that arrive after it has.
func (s *Server) counted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.inflight.enter() {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			http.Error(w, "the server is stopping; retry", http.StatusServiceUnavailable)
			return
		}
		defer s.inflight.leave()
		h.ServeHTTP(w, r)
	})
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, notFound("API route "+r.Method+" "+r.URL.Path).WithHint("docs/api.md lists the routes"))
}

// healthzTimeout bounds /healthz's database query.
const healthzTimeout = 2 * time.Second

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	// Bounded: a load balancer's probe must get an answer even when the
	// database hangs.
	ctx, cancel := context.WithTimeout(r.Context(), healthzTimeout)
	defer cancel()
	if _, err := s.store.CountUsers(ctx); err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}
