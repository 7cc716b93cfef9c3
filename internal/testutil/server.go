package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/core/store/sqlite"
)

// Epoch is the fake clock's start in tests: a Monday, 10:00 UTC.
var Epoch = time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)

// Server is a real pakyas server running in-process: the real HTTP
// handler and a SQLite store in a temporary directory, with a fake clock
// and the background loops off (drive them with EvaluateDue, DeliverAlerts).
type Server struct {
	*server.Server
	URL   string
	Key   string // API key of the first user (org "Test Org", project "Test Project")
	Clock *Clock
	Store *sqlite.Store

	mu   sync.Mutex
	http *http.Server // nil while stopped
	addr string
}

// StartServer starts a Server and stops it when the test ends.
func StartServer(t testing.TB) *Server {
	t.Helper()
	return StartServerWith(t, nil)
}

// StartServerWith is StartServer with configure changing the server's
// Config first (it starts as Manual, with AllowPrivateIPs on: the tests'
// webhooks listen on 127.0.0.1).
func StartServerWith(t testing.TB, configure func(*server.Config)) *Server {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pakyas.db"))
	require.NoError(t, err)
	clock := NewClock(Epoch)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	cfg := server.Config{Manual: true, PublicURL: "http://" + addr, AllowPrivateIPs: true}
	if configure != nil {
		configure(&cfg)
	}
	srv := server.New(st, clock, cfg)
	s := &Server{Server: srv, URL: "http://" + addr, Clock: clock, Store: st, addr: addr}
	s.serve(ln)
	srv.Start()
	s.Key, err = server.Init(ctx, st, clock.Now(), server.Admin{Email: "admin@example.com", Org: "Test Org", Project: "Test Project"})
	require.NoError(t, err)
	t.Cleanup(func() {
		s.Stop()
		srv.Stop()
		st.Close()
	})
	return s
}

func (s *Server) serve(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.http = &http.Server{Handler: s.Handler()}
	go func(hs *http.Server) { _ = hs.Serve(ln) }(s.http)
}

// Stop takes the server off the network, as a crashed or restarting
// server would be: its address refuses connections until Restart. The
// store and everything in it stay.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.http != nil {
		_ = s.http.Close()
		s.http = nil
	}
}

// Restart serves again on the same address, with the same store.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	// The old listener's port may take a moment to be free again.
	require.Eventually(t, func() bool { ln, err = net.Listen("tcp", s.addr); return err == nil },
		10*time.Second, 10*time.Millisecond, "listen on %s again: %v", s.addr, err)
	s.serve(ln)
}

// Client returns an API client for the server with the given key.
func (s *Server) Client(key string) *api.Client {
	return &api.Client{BaseURL: s.URL, APIKey: key}
}

// Do sends a raw request and returns the status code and body.
func (s *Server) Do(t testing.TB, method, path, key string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil && method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b, resp.Header
}

// JSON marshals v or fails the test.
func JSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// Receiver is an httptest server that records every request it gets.
type Receiver struct {
	*httptest.Server
	Requests chan Request
}

// Request is one request a Receiver got.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// NewReceiver starts a Receiver answering status to every request.
func NewReceiver(t testing.TB, status int) *Receiver {
	r := &Receiver{Requests: make(chan Request, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.Requests <- Request{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: b}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// Drain returns every request received so far.
func (r *Receiver) Drain() []Request {
	var out []Request
	for {
		select {
		case req := <-r.Requests:
			out = append(out, req)
		default:
			return out
		}
	}
}

// CreateAccount creates a user with their own organization, project and
// API key directly in the store, and returns the key.
func CreateAccount(t testing.TB, st *sqlite.Store, now time.Time, email, org, project string) string {
	t.Helper()
	var key string
	err := st.Update(context.Background(), func(q core.Queries) error {
		u := core.User{ID: uuid.NewString(), Email: email, CreatedAt: now}
		o := core.Org{ID: uuid.NewString(), Name: org, CreatedAt: now}
		p := core.Project{ID: uuid.NewString(), OrgID: o.ID, Name: project, CreatedAt: now}
		k, rec, err := server.NewAPIKey(u.ID, "test", now)
		if err != nil {
			return err
		}
		key = k
		for _, err := range []error{
			q.CreateUser(context.Background(), &u),
			q.CreateOrg(context.Background(), &o),
			q.AddMember(context.Background(), o.ID, u.ID, core.RoleOwner),
			createProject(q, &p),
			q.CreateAPIKey(context.Background(), &rec),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	return key
}

// Listen serves h on 127.0.0.1 until the test ends.
func Listen(t testing.TB, h http.Handler) *httptest.Server {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}

// createProject creates p, unless it has no name (an account without
// projects).
func createProject(q core.Queries, p *core.Project) error {
	if p.Name == "" {
		return nil
	}
	return q.CreateProject(context.Background(), p)
}
