package targettest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Endpoint is the suite's local HTTP server, on 127.0.0.1. URL answers
// every request 200 OK and records it; HangURL never answers, so a target
// sending there can only stop when its deadline passes.
type Endpoint struct {
	// URL is the base URL of the answering endpoint.
	URL string
	// HangURL is the base URL of the endpoint that never answers.
	HangURL string

	srv      *httptest.Server
	closing  chan struct{}
	once     sync.Once
	released chan struct{} // a hung request's client went away

	mu       sync.Mutex
	requests []Request
}

// Request is a request the Endpoint received.
type Request struct {
	Method, Path, Query string
	Body                []byte
}

// hangPrefix is the path of HangURL.
const hangPrefix = "/hang"

// NewEndpoint starts an Endpoint; Close stops it.
func NewEndpoint() *Endpoint {
	ep := &Endpoint{closing: make(chan struct{}), released: make(chan struct{}, 16)}
	ep.srv = httptest.NewServer(http.HandlerFunc(ep.serve))
	ep.URL = ep.srv.URL
	ep.HangURL = ep.srv.URL + hangPrefix
	return ep
}

func (ep *Endpoint) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if len(r.URL.Path) >= len(hangPrefix) && r.URL.Path[:len(hangPrefix)] == hangPrefix {
		select {
		case <-r.Context().Done(): // the target gave up: what the deadline step waits for
			select {
			case ep.released <- struct{}{}:
			default:
			}
		case <-ep.closing:
		}
		return
	}
	ep.mu.Lock()
	ep.requests = append(ep.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body})
	ep.mu.Unlock()
}

// Requests returns the requests URL has received so far.
func (ep *Endpoint) Requests() []Request {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return append([]Request(nil), ep.requests...)
}

// Close stops the server, ending hung requests.
func (ep *Endpoint) Close() {
	ep.once.Do(func() {
		close(ep.closing)
		ep.srv.CloseClientConnections()
		ep.srv.Close()
	})
}
