package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/server/web"
	"github.com/pakyas/pakyas/core/status"
	"github.com/pakyas/pakyas/core/view"
)

// Dashboard sign-in.
const (
	// SignInLinkTTL is how long a sign-in link may be used (once).
	SignInLinkTTL = 10 * time.Minute
	// SessionTTL is how long a dashboard session lasts.
	SessionTTL = 7 * 24 * time.Hour
	// SessionCookie is the session cookie's name.
	SessionCookie = "pakyas_session"
)

// dashboardCSP allows nothing but the dashboard's own files: no inline
// script or style, no frames.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// problemOrder sorts the overview: problems first.
var problemOrder = []core.Status{core.StatusFailed, core.StatusDown, core.StatusOverrunning, core.StatusLate,
	core.StatusRunning, core.StatusUp, core.StatusNew, core.StatusPaused}

// newSecret returns prefix and 32 random bytes, URL-safe.
func newSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewSignInLink creates a one-time dashboard sign-in token for userID,
// valid SignInLinkTTL from now, and returns the token (its path is
// /signin/<token>).
func NewSignInLink(ctx context.Context, st core.Queries, userID string, now time.Time) (string, error) {
	token, err := newSecret("pl_")
	if err != nil {
		return "", err
	}
	err = st.CreateWebToken(ctx, &core.WebToken{Hash: HashAPIKey(token), Kind: core.WebSignInLink, UserID: userID,
		CreatedAt: now, ExpiresAt: now.Add(SignInLinkTTL)})
	return token, err
}

// SignInURL is the dashboard address that signs in with token.
func (s *Server) SignInURL(token string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/signin/" + token
}

// createDashboardLink serves POST /api/v1/dashboard/link: a sign-in link
// for the caller.
func (s *Server) createDashboardLink(w http.ResponseWriter, r *http.Request, c *caller) error {
	now := s.clock.Now()
	token, err := NewSignInLink(r.Context(), s.store, c.user.ID, now)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, api.DashboardLink{URL: s.SignInURL(token), ExpiresAt: now.Add(SignInLinkTTL).UTC()})
	return nil
}

// dashboard wraps a page handler with the dashboard's headers, and
// cross-origin protection of every state change.
func (s *Server) dashboard(h http.HandlerFunc) http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", dashboardCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer") // a sign-in link never leaks
		hd.Set("Cache-Control", "no-store")
		h(w, r)
	}))
}

// page is what every template gets.
type page struct {
	Title string
	// Events is the page's live-update stream (/events?...), or "".
	Events  string
	User    *core.User
	Message string
	Hint    string
}

// render writes the template name with data, or a plain 500.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.templates().ExecuteTemplate(&buf, name, data); err != nil {
		s.logf("dashboard: render %s: %v", name, err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// message renders a page that only says something.
func (s *Server) message(w http.ResponseWriter, status int, title, msg string, howToSignIn bool) {
	p := page{Title: title, Message: msg}
	if howToSignIn {
		p.Hint = "pakyas dashboard"
	}
	s.render(w, status, "message.html", p)
}

var errSignedOut = errors.New("not signed in")

// sessionUser returns the user of the request's dashboard session.
func (s *Server) sessionUser(r *http.Request) (*core.User, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, errSignedOut
	}
	tok, err := s.store.WebToken(r.Context(), HashAPIKey(ck.Value))
	if core.IsNotFound(err) {
		return nil, errSignedOut
	}
	if err != nil {
		return nil, err
	}
	if tok.Kind != core.WebSession || !s.clock.Now().Before(tok.ExpiresAt) {
		return nil, errSignedOut
	}
	return s.store.User(r.Context(), tok.UserID)
}

// handleSignIn serves GET /signin/{token}: a valid, unused link starts a
// session and goes to the overview.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	now := s.clock.Now()
	tok, err := s.store.WebToken(r.Context(), HashAPIKey(token))
	switch {
	case core.IsNotFound(err) || (err == nil && tok.Kind != core.WebSignInLink):
		s.message(w, http.StatusNotFound, "Sign-in link not valid", "This sign-in link is not one this server made.", true)
		return
	case err != nil:
		s.logf("dashboard: sign in: %v", err)
		s.message(w, http.StatusServiceUnavailable, "Try again", "The server could not check the link just now.", false)
		return
	case !tok.UsedAt.IsZero():
		s.message(w, http.StatusGone, "Sign-in link already used", "A sign-in link works once, and this one has been used.", true)
		return
	case !now.Before(tok.ExpiresAt):
		s.message(w, http.StatusGone, "Sign-in link expired", "A sign-in link works for 10 minutes, and this one has expired.", true)
		return
	}
	ok, err := s.store.UseWebToken(r.Context(), tok.Hash, now)
	if err == nil && !ok {
		s.message(w, http.StatusGone, "Sign-in link already used", "A sign-in link works once, and this one has been used.", true)
		return
	}
	var session string
	if err == nil {
		session, err = s.startSession(r.Context(), tok.UserID, now)
	}
	if err != nil {
		s.logf("dashboard: sign in: %v", err)
		s.message(w, http.StatusServiceUnavailable, "Try again", "The server could not start the session.", true)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: session, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), MaxAge: int(SessionTTL / time.Second)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// startSession stores a new dashboard session of userID and returns its
// secret, the cookie's value.
func (s *Server) startSession(ctx context.Context, userID string, now time.Time) (string, error) {
	session, err := newSecret("ps_")
	if err != nil {
		return "", err
	}
	return session, s.store.CreateWebToken(ctx, &core.WebToken{Hash: HashAPIKey(session), Kind: core.WebSession,
		UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)})
}

// secure reports whether cookies must be Secure: the request came over
// TLS, or the server's public URL is https (behind a proxy).
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://")
}

// handleSignOut serves POST /signout.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(SessionCookie); err == nil {
		_ = s.store.DeleteWebToken(r.Context(), HashAPIKey(ck.Value))
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), MaxAge: -1})
	s.message(w, http.StatusOK, "Signed out", "You are signed out of this browser.", true)
}

// overviewRow is one check on the overview.
type overviewRow struct {
	ID, Name, Slug, Status, Label, Schedule string
	LastSignal, NextExpected, Deadline      *time.Time
	Runs                                    []runMark // oldest first
}

// runMark is one finished run in the overview's strip.
type runMark struct{ Class, Mark, Title string }

// stripRuns is how many finished runs the overview shows per check.
const stripRuns = 10

// runMarks turns a check's recent success and failure signals (newest
// first) into the strip's marks, oldest first.
func runMarks(sigs []core.Signal) []runMark {
	out := make([]runMark, 0, len(sigs))
	for i := len(sigs) - 1; i >= 0; i-- {
		sig := sigs[i]
		m := runMark{Class: "ok", Mark: "✓", Title: "success"}
		if sig.Kind == core.SignalFail {
			m = runMark{Class: "bad", Mark: "✗", Title: "failure"}
			if sig.ExitCode != nil {
				m.Title = fmt.Sprintf("failure, exit code %d", *sig.ExitCode)
			}
		}
		m.Title += " at " + sig.OccurredAt.UTC().Format("2006-01-02 15:04 UTC")
		if sig.Duration > 0 {
			m.Title += ", ran " + sig.Duration.Round(time.Millisecond).String()
		}
		out = append(out, m)
	}
	return out
}

type statusOption struct{ Value, Label string }

type overviewPage struct {
	page
	Orgs     []api.Org
	Org      api.Org
	Project  api.Project
	Checks   []overviewRow
	Total    int
	Query    string
	Status   string
	Statuses []statusOption
}

// sessionCaller is the signed-in user as a caller (their organizations),
// or writes the sign-in or error page and returns nil.
func (s *Server) sessionCaller(w http.ResponseWriter, r *http.Request) *caller {
	u, err := s.sessionUser(r)
	if errors.Is(err, errSignedOut) {
		s.message(w, http.StatusUnauthorized, "Sign in", "Sign in with a link from the pakyas command line.", true)
		return nil
	}
	var orgs []core.Org
	if err == nil {
		orgs, err = s.store.OrgsForUser(r.Context(), u.ID)
	}
	if err != nil {
		s.unavailable(w, err)
		return nil
	}
	return &caller{user: u, orgs: orgs}
}

// checkError writes the page for an error finding or changing a check.
func (s *Server) checkError(w http.ResponseWriter, err error) {
	if core.IsNotFound(err) {
		s.message(w, http.StatusNotFound, "No such check", "No check of yours has this address.", false)
		return
	}
	s.unavailable(w, err)
}

func (s *Server) unavailable(w http.ResponseWriter, err error) {
	s.logf("dashboard: %v", err)
	s.message(w, http.StatusServiceUnavailable, "Try again", "The server could not read its data just now.", false)
}

// outputTail is how much of a signal's output the check page shows.
const outputTail = 2000

type checkPage struct {
	page
	Check       api.Check
	Schedule    string
	DependsOn   string // the parent's slug
	RemindEvery string
	BadgeURL    string
	Entries     []api.TimelineEntry
}

// handleCheck serves GET /checks/{ref}: the check, its monitor commands
// and its timeline, newest first.
func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	c := s.sessionCaller(w, r)
	if c == nil {
		return
	}
	ch, err := s.check(r.Context(), c, r.PathValue("ref"))
	if err != nil {
		s.checkError(w, err)
		return
	}
	// The fingerprint first, then what the page shows: a change in
	// between makes the live page fetch it again, rather than be missed.
	fp, ch, err := s.checkFingerprint(r.Context(), ch.ID)
	if err != nil {
		s.checkError(w, err)
		return
	}
	entries, err := s.store.Timeline(r.Context(), ch.ID, core.TimelinePage{Limit: 200})
	if err != nil {
		s.unavailable(w, err)
		return
	}
	p := checkPage{page: page{Title: ch.Name, User: c.user, Events: eventsURL("check", ch.ID, fp)}, Check: s.apiCheck(ch)}
	p.Schedule = view.Schedule(&p.Check)
	if ch.DependsOn != "" {
		if parent, err := s.store.Check(r.Context(), ch.DependsOn); err == nil {
			p.DependsOn = parent.Slug
		}
	}
	if ch.RemindEvery > 0 {
		p.RemindEvery = ch.RemindEvery.String()
	}
	if pr, err := s.store.Project(r.Context(), ch.ProjectID); err == nil && pr.BadgeKey != "" {
		p.BadgeURL = s.badgeURL(pr.BadgeKey, ch.Slug)
	}
	for i := range entries {
		p.Entries = append(p.Entries, s.apiEntry(&entries[i]))
	}
	s.render(w, http.StatusOK, "check.html", p)
}

// handleCheckAction serves POST /checks/{ref}/pause and .../resume.
func (s *Server) handleCheckAction(w http.ResponseWriter, r *http.Request) {
	c := s.sessionCaller(w, r)
	if c == nil {
		return
	}
	var fn func(*core.Check, time.Time) status.Result
	switch r.PathValue("action") {
	case "pause":
		fn = status.Pause
	case "resume":
		fn = status.Resume
	default:
		s.message(w, http.StatusNotFound, "Not found", "There is no such action.", false)
		return
	}
	ch, err := s.changeCheck(r, c, func(ch *core.Check, now time.Time) (status.Result, error) { return fn(ch, now), nil })
	if err != nil {
		s.checkError(w, err)
		return
	}
	http.Redirect(w, r, "/checks/"+ch.ID, http.StatusSeeOther)
}

// handleOverview serves GET /: the selected project's checks, problems
// first, filtered by ?q= and ?status=.
func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request) {
	c := s.sessionCaller(w, r)
	if c == nil {
		return
	}
	p, err := s.overview(r, c)
	if err != nil {
		s.unavailable(w, err)
		return
	}
	s.render(w, http.StatusOK, "overview.html", p)
}

func (s *Server) overview(r *http.Request, c *caller) (*overviewPage, error) {
	ctx := r.Context()
	q := r.URL.Query()
	p := &overviewPage{page: page{Title: "Checks", User: c.user}, Query: q.Get("q"), Status: q.Get("status")}
	for _, st := range problemOrder {
		p.Statuses = append(p.Statuses, statusOption{Value: string(st), Label: st.Label()})
	}
	for _, o := range c.orgs {
		projects, err := s.store.Projects(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		ao := apiOrg(o)
		for _, pr := range projects {
			ao.Projects = append(ao.Projects, apiProject(pr))
		}
		p.Orgs = append(p.Orgs, ao)
	}
	if len(p.Orgs) == 0 {
		return p, nil
	}
	// Only the user's own organizations and projects can be selected.
	p.Org = p.Orgs[0]
	for _, o := range p.Orgs {
		if o.ID == q.Get("org") {
			p.Org = o
		}
	}
	if len(p.Org.Projects) == 0 {
		return p, nil
	}
	p.Project = p.Org.Projects[0]
	for _, pr := range p.Org.Projects {
		if pr.ID == q.Get("project") {
			p.Project = pr
		}
	}
	checks, err := s.store.Checks(ctx, p.Project.ID)
	if err != nil {
		return nil, err
	}
	p.Events = eventsURL("project", p.Project.ID, checksFingerprint(checks))
	p.Total = len(checks)
	recent, err := s.store.RecentSignals(ctx, p.Project.ID, []core.SignalKind{core.SignalSuccess, core.SignalFail}, stripRuns)
	if err != nil {
		return nil, err
	}
	runs := map[string][]core.Signal{}
	for _, sig := range recent {
		runs[sig.CheckID] = append(runs[sig.CheckID], sig)
	}
	needle := strings.ToLower(p.Query)
	for i := range checks {
		ac := s.apiCheck(&checks[i])
		if p.Status != "" && ac.Status != p.Status {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(ac.Name), needle) && !strings.Contains(ac.Slug, needle) {
			continue
		}
		p.Checks = append(p.Checks, overviewRow{ID: ac.ID, Name: ac.Name, Slug: ac.Slug, Status: ac.Status,
			Label: ac.StatusLabel, Schedule: view.Schedule(&ac), LastSignal: ac.LastSignalAt,
			NextExpected: ac.NextExpectedAt, Deadline: ac.DeadlineAt, Runs: runMarks(runs[ac.ID])})
	}
	slices.SortStableFunc(p.Checks, func(a, b overviewRow) int {
		return slices.Index(problemOrder, core.Status(a.Status)) - slices.Index(problemOrder, core.Status(b.Status))
	})
	return p, nil
}

// statusIcons go with the words and the colour, never instead of them.
var statusIcons = map[string]string{
	"up": "✓", "failed": "✗", "down": "!", "late": "◔", "overrunning": "◕", "running": "▶", "new": "○", "paused": "‖",
}

// templates parses the dashboard's templates once.
func (s *Server) templates() *template.Template {
	s.tmplOnce.Do(func() {
		t, err := web.Templates(template.FuncMap{
			"icon": func(st string) string { return statusIcons[st] },
			"when": func(t *time.Time) string {
				if t == nil {
					return "—"
				}
				return t.UTC().Format("2006-01-02 15:04 UTC")
			},
			"when1": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
			"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
			"label": func(st string) string { return core.Status(st).Label() },
			"deref": func(n *int) int { return *n },
			"ms":    func(n int64) string { return (time.Duration(n) * time.Millisecond).String() },
			"tail": func(out string) string {
				if len(out) <= outputTail {
					return out
				}
				return "…" + strings.ToValidUTF8(out[len(out)-outputTail:], "")
			},
		})
		if err != nil {
			panic(err) // the templates are embedded: a test catches this
		}
		s.tmpl = t
	})
	return s.tmpl
}

// logDevSignIn logs a dashboard sign-in link for the user of the --dev
// key; a failure is only logged: the server runs without it.
func (s *Server) logDevSignIn(ctx context.Context, st core.Store, key string) {
	k, err := st.APIKeyByHash(ctx, HashAPIKey(key))
	var token string
	if err == nil {
		token, err = NewSignInLink(ctx, st, k.UserID, s.clock.Now())
	}
	if err != nil {
		s.logf("dashboard: no sign-in link: %v", err)
		return
	}
	s.logf("dashboard: %s (a sign-in link: works once, for 10 minutes; later ones: pakyas dashboard)", s.SignInURL(token))
}
