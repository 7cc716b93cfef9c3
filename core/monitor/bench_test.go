package monitor

import (
	"context"
	"io"
	"os/exec"

	"testing"

	"github.com/pakyas/pakyas/core/api"
)

// BenchmarkRingWrite: the cost of keeping the tail, per 32 KiB chunk (what
// a pipe read returns).
func BenchmarkRingWrite(b *testing.B) {
	r := NewRing(DefaultOutputLimit)
	chunk := make([]byte, 32<<10)
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		_, _ = r.Write(chunk)
	}
}

// BenchmarkRunTrue: what the runner adds to running `true`, signals
// excluded (a Pinger that answers at once).
func BenchmarkRunTrue(b *testing.B) {
	path, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true command")
	}
	cfg := Config{Stdout: io.Discard, Stderr: io.Discard}
	for b.Loop() {
		d := &Deliverer{Pinger: nopPinger{}, PublicID: "550e8400-e29b-41d4-a716-446655440000"}
		if res := Run(context.Background(), cfg, Job{Args: []string{path}}, d); res.Code != 0 {
			b.Fatalf("exit %d", res.Code)
		}
	}
}

type nopPinger struct{}

func (nopPinger) Ping(context.Context, api.Ping) (api.Sent, error) { return api.Sent{Attempts: 1}, nil }
