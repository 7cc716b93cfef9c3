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
			var calls atomic.Int64
			getppid := func() int {
				i := int(calls.Add(1)) - 1
				return tt.ppids[min(i, len(tt.ppids)-1)]
			}
			done := make(chan struct{})
			gone := make(chan struct{})
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				pollParent(done, time.Millisecond, getppid, func() { close(gone) })
			}()
			select {
			case <-gone:
				assert.True(t, tt.wantGone, "gone called")
			case <-time.After(50 * time.Millisecond):
				assert.False(t, tt.wantGone, "gone not called")
			}
			close(done)
			<-finished
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
