//go:build unix

package target

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
)

func TestPollParent(t *testing.T) {
	tests := []struct {
		name     string
		ppids    []int // successive getppid answers; the last repeats
		wantGone bool
	}{
		{"parent stays", []int{42}, false},
		{"re-parented to init", []int{42, 42, 1}, true},
		{"re-parented to a subreaper", []int{42, 7}, true},
		{"pakyas is pid 1 in a container", []int{1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// polled receives the number of each getppid call, so the test
			// waits for the poller to have seen every answer instead of
			// for a while.
			polled := make(chan int, 100)
			var calls atomic.Int64
			getppid := func() int {
				n := int(calls.Add(1))
				select {
				case polled <- n:
				default:
				}
				return tt.ppids[min(n-1, len(tt.ppids)-1)]
			}
			done := make(chan struct{})
			gone := make(chan struct{})
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				pollParent(done, time.Millisecond, getppid, func() { close(gone) })
			}()
			defer func() { close(done); <-finished }()

			timeout := time.After(10 * time.Second)
			if tt.wantGone {
				select {
				case <-gone:
				case <-timeout:
					t.Fatalf("gone not called after %d polls", calls.Load())
				}
				return
			}
			// A poll starts only after the previous answer was acted on:
			// once call len+2 starts, the last answer was seen twice.
			for n := 0; n < len(tt.ppids)+2; {
				select {
				case n = <-polled:
				case <-gone:
					t.Fatalf("gone called after poll %d; the parent did not change", calls.Load())
				case <-timeout:
					t.Fatalf("only %d polls in 10s", calls.Load())
				}
			}
			select {
			case <-gone:
				t.Fatal("gone called; the parent did not change")
			default:
			}
		})
	}
}

func TestStopperBeforeServerExists(t *testing.T) {
	var s stopper
	s.stop()
	srv := s.newServer(nil)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	// A server stopped before it serves returns from Serve at once, so
	// plugin.Serve returns too.
	assert.ErrorIs(t, srv.Serve(lis), grpc.ErrServerStopped)
}
