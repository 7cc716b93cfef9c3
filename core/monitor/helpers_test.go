package monitor

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/pakyas/pakyas/core/spool"
)

const (
	testID  = "550e8400-e29b-41d4-a716-446655440000"
	testRID = "7d0b9e51-3c43-4a55-a4f7-7c1d2c2b1a11"
)

// refused is what the client returns when no server listens.
var refused error = &url.Error{Op: "Post", URL: "http://127.0.0.1:1/ping/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}

// pinger is a fake Pinger: it records the signals and answers each with
// answer (nil: delivered).
type pinger struct {
	mu     sync.Mutex
	pings  []api.Ping
	answer func(ctx context.Context, p api.Ping) error
}

func (f *pinger) Ping(ctx context.Context, p api.Ping) (api.Sent, error) {
	f.mu.Lock()
	f.pings = append(f.pings, p)
	answer := f.answer
	f.mu.Unlock()
	if answer != nil {
		return api.Sent{Attempts: 1}, answer(ctx, p)
	}
	return api.Sent{Attempts: 1}, nil
}

func (f *pinger) kinds() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.pings {
		out = append(out, p.Kind)
	}
	return out
}

func (f *pinger) last() api.Ping {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pings[len(f.pings)-1]
}

// spooled returns the signals kept in sp, oldest first.
func spooled(t *testing.T, sp *spool.Spool) []api.Ping {
	t.Helper()
	items, err := sp.List()
	require.NoError(t, err)
	var out []api.Ping
	for _, it := range items {
		require.NoError(t, it.Err)
		out = append(out, it.Entry.Ping)
	}
	return out
}

// deliverer reports to testID with p.
func deliverer(p Pinger) *Deliverer {
	return &Deliverer{Pinger: p, APIURL: "http://127.0.0.1:1", PublicID: testID}
}

// withSpool gives d a spool in a temporary directory.
func withSpool(t *testing.T, d *Deliverer) *spool.Spool {
	d.Spool = spool.New(filepath.Join(t.TempDir(), "spool"))
	return d.Spool
}

// resolver is a fake Resolver: it answers from ids, one per call (the
// last repeats), and counts the calls.
type resolver struct {
	calls atomic.Int32
	ids   []string
	err   error
}

func (r *resolver) Resolve(_ context.Context, slug string, refresh bool) (resolve.Ref, error) {
	n := int(r.calls.Add(1))
	if r.err != nil {
		return resolve.Ref{}, r.err
	}
	return resolve.Ref{PublicID: r.ids[min(n, len(r.ids))-1], Slug: slug, Cached: !refresh}, nil
}
