// Package server is `pakyas server`: the JSON API, the healthchecks.io
// compatible ping endpoints, the evaluation loop that moves checks to late,
// down and overrunning as time passes, the alert outbox worker, retention,
// /healthz and /metrics, and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/alert"
	"github.com/pakyas/pakyas/core/api"
)

// DefaultListen is the address `pakyas server` listens on by default.
const DefaultListen = api.DefaultListen

// Config is the server's configuration. Zero values take the defaults
// documented on each field.
type Config struct {
	// PublicURL is the base URL people and jobs reach the server at, used
	// in ping URLs shown by the API; default http://<listen address>.
	PublicURL string
	// Retention is how long signals are kept (default 90 days); signals
	// delivered late that happened before it are refused.
	Retention time.Duration
	// KeepSignals is how many signals are kept per check (default 1000).
	KeepSignals int
	// MaxSkew is how far in the future a signal's time may be (default 5m).
	MaxSkew time.Duration
	// MaxBatch is the most signals committed in one transaction (default 1000).
	MaxBatch int
	// IngestQueue is how many signals may wait for the writer (default
	// 4000); a ping that finds it full is answered 503 with Retry-After.
	IngestQueue int
	// IngestTimeout bounds how long a ping waits to be stored, and one
	// transaction of signals (default 10s); past it the ping is answered
	// 503 with Retry-After.
	IngestTimeout time.Duration
	// ShutdownTimeout bounds a graceful stop (default 30s): requests in
	// flight get all but the last sixth of it to finish; then their
	// connections are closed and their handlers get the rest to return.
	// Only the writer's final commit of what was queued may come after.
	ShutdownTimeout time.Duration
	// APIRate is how many API requests per second one API key may make on
	// average (default 50); APIBurst how many at once (default 200). A
	// negative APIRate turns the limit off. Pings are never limited.
	APIRate  float64
	APIBurst int
	// SMTP is the relay for email alert channels.
	SMTP alert.SMTPConfig
	// AllowPrivateIPs lets webhook and Slack alerts reach loopback,
	// private, link-local and other non-public addresses, and email
	// alerts go to such domains. Off by default: a channel a user adds
	// must not reach the server's own network (--allow-private-ips).
	AllowPrivateIPs bool
	// ServiceURLs replace the API endpoints of the alert services that are
	// not a channel's own URL (PagerDuty, Opsgenie, Telegram, Pushover):
	// for tests, or a relay. Empty: the services' own.
	ServiceURLs alert.ServiceURLs
	// TrustedProxies are the reverse proxies in front of the server: for
	// a connection from one of them, the client's address (for the limit
	// on failed authentication) is read from X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Manual disables the background loops (evaluation, alerts, pruning):
	// tests drive them with EvaluateDue, DeliverAlerts and Prune.
	Manual bool
	// Logger receives operational messages; nil: the standard logger.
	Logger *log.Logger
}

func (c *Config) setDefaults() {
	if c.Retention <= 0 {
		c.Retention = 90 * 24 * time.Hour
	}
	if c.KeepSignals <= 0 {
		c.KeepSignals = 1000
	}
	if c.MaxSkew <= 0 {
		c.MaxSkew = 5 * time.Minute
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 1000
	}
	if c.IngestQueue <= 0 {
		c.IngestQueue = 4000
	}
	if c.IngestTimeout <= 0 {
		c.IngestTimeout = 10 * time.Second
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.APIRate == 0 {
		c.APIRate = 50
	}
	if c.APIBurst <= 0 {
		c.APIBurst = 200
	}
	if c.Logger == nil {
		c.Logger = log.Default()
	}
}

// Server is a pakyas server. Create it with New, then call Start (or
// Serve, which starts it).
type Server struct {
	store      core.Store
	clock      core.Clock
	cfg        Config
	ingest     *ingester
	dispatcher *alert.Dispatcher
	notifiers  alert.Notifiers
	metrics    metrics
	inflight   *tracker   // handlers running
	limits     *keyLimits // nil: no limit
	fails      *failLimits
	evalWake   chan struct{}
	alertWake  chan struct{}

	tmplOnce sync.Once
	tmpl     *template.Template

	streamsOnce sync.Once
	streamsQuit chan struct{} // closed by closeStreams

	startOnce sync.Once
	loops     sync.WaitGroup
	stopLoops context.CancelFunc
}

// New returns a server over store. It does not start anything.
func New(store core.Store, clock core.Clock, cfg Config) *Server {
	cfg.setDefaults()
	s := &Server{
		store:       store,
		clock:       clock,
		cfg:         cfg,
		evalWake:    make(chan struct{}, 1),
		alertWake:   make(chan struct{}, 1),
		streamsQuit: make(chan struct{}),
		inflight:    newTracker(),
	}
	s.notifiers = alert.NewNotifiers(alert.Deps{Client: alert.NewHTTPClient(cfg.AllowPrivateIPs), SMTP: cfg.SMTP, ServiceURLs: cfg.ServiceURLs})
	if e, ok := s.notifiers[core.ChannelEmail].(*alert.Email); ok {
		e.AllowPrivate = cfg.AllowPrivateIPs
	}
	s.dispatcher = &alert.Dispatcher{
		Store:     store,
		Clock:     clock,
		Notifiers: s.notifiers,
		Logf:      s.logf,
	}
	s.ingest = newIngester(s)
	s.fails = newFailLimits(s.logf)
	if cfg.APIRate > 0 {
		s.limits = newKeyLimits(cfg.APIRate, cfg.APIBurst)
	}
	return s
}

func (s *Server) logf(format string, args ...any) { s.cfg.Logger.Printf(format, args...) }

// Start starts the ingest writer and, unless Config.Manual, the background
// loops. Stop undoes it.
func (s *Server) Start() {
	s.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopLoops = cancel
		s.loops.Add(1)
		go func() { defer s.loops.Done(); s.ingest.run() }()
		if s.cfg.Manual {
			return
		}
		s.loops.Add(3)
		go func() { defer s.loops.Done(); s.evalLoop(ctx) }()
		go func() { defer s.loops.Done(); s.dispatcher.Run(ctx, s.alertWake) }()
		go func() { defer s.loops.Done(); s.pruneLoop(ctx) }()
	})
}

// Stop stops the ingest writer (after it has committed and answered
// everything queued) and the loops, and waits for them. Call it after no
// more requests can arrive.
func (s *Server) Stop() {
	s.ingest.stop()
	if s.stopLoops != nil {
		s.stopLoops()
	}
	s.loops.Wait()
}

// Serve starts the server and serves HTTP on ln until ctx is done, then
// shuts down gracefully: it stops accepting, lets in-flight requests finish
// (every acknowledged ping is committed), stops the loops and returns, all
// within Config.ShutdownTimeout; it returns an error when requests had to
// be cut off. The store is not closed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.PublicURL == "" {
		s.cfg.PublicURL = "http://" + ln.Addr().String()
	}
	s.Start()
	defer s.Stop()
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          s.cfg.Logger,
	}
	// Every request's context ends when a stop has to cut requests off.
	reqCtx, cutOff := context.WithCancel(context.Background())
	defer cutOff()
	hs.BaseContext = func(net.Listener) context.Context { return reqCtx }
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(hs, errc, cutOff)
}

// shutdown stops hs within Config.ShutdownTimeout (see there). The
// request read and write timeouts do not bound it: a client trickling a
// body would otherwise hold the stop for a minute, past the grace period
// of systemd or Kubernetes, which then kill the process.
func (s *Server) shutdown(hs *http.Server, errc <-chan error, cutOff context.CancelFunc) error {
	deadline := time.Now().Add(s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-s.cfg.ShutdownTimeout/6))
	defer cancel()
	s.closeStreams()
	err := hs.Shutdown(sctx)
	if err != nil {
		// Time is up: fail the reads and writes of the requests still
		// running, and end their contexts, so that their handlers return.
		cutOff()
		_ = hs.Close()
		err = fmt.Errorf("shutdown: requests still running after %s were cut off: %w", s.cfg.ShutdownTimeout*5/6, err)
	}
	serr := <-errc
	// Commit and answer what is queued, refuse what comes after (503),
	// then wait for the handlers still running: the caller closes the
	// store next, and should not under a request. A request whose handler
	// starts after that is refused without touching the store.
	s.Stop()
	if n := s.inflight.close(time.Until(deadline)); n > 0 {
		err = errors.Join(err, fmt.Errorf("shutdown: %d request handlers still running after %s", n, s.cfg.ShutdownTimeout))
	}
	if serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// tracker counts running handlers, and once closed admits no more. (A
// sync.WaitGroup may not see Add from zero while a Wait is in progress,
// which new requests can do during a shutdown.)
type tracker struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   chan struct{} // closed once closed and no handler runs
}

func newTracker() *tracker {
	return &tracker{idle: make(chan struct{})}
}

// enter counts a handler in; it reports false once the tracker is closed.
func (t *tracker) enter() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.n++
	return true
}

func (t *tracker) leave() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 && t.closed {
		close(t.idle)
	}
}

// running is the number of handlers running now.
func (t *tracker) running() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// close admits no more handlers and waits, at most for timeout, until none
// is running. It returns how many still run (0: all returned). Call it once.
func (t *tracker) close(timeout time.Duration) int {
	t.mu.Lock()
	t.closed = true
	if t.n == 0 {
		close(t.idle)
	}
	t.mu.Unlock()
	timer := time.NewTimer(max(timeout, 0))
	defer timer.Stop()
	select {
	case <-t.idle:
		return 0
	case <-timer.C:
	}
	select {
	case <-t.idle:
		return 0
	default:
		return t.running()
	}
}
