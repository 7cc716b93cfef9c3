package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// BenchmarkWriterBatch: the single writer's cost per signal, without HTTP
// and senders sharing the CPUs: batches of 21 success signals (the batch
// size the 64-sender ingest benchmark sees) to random checks of 100, each
// committed (SQLite, WAL, synchronous=FULL) and answered as the writer
// does. ns/op is per signal.
func BenchmarkWriterBatch(b *testing.B) {
	const checks, batchSize = 100, 21
	s, clock, c := newTestCheck(b)
	ctx := context.Background()
	ids := []string{c.PublicID}
	for i := 1; i < checks; i++ {
		now := clock.Now()
		x := &core.Check{
			ID: uuid.NewString(), PublicID: uuid.NewString(), OrgID: c.OrgID, ProjectID: c.ProjectID,
			Name: fmt.Sprintf("c%d", i), Slug: fmt.Sprintf("c%d", i), CreatedAt: now, UpdatedAt: now,
			Schedule: c.Schedule, State: status.NewState(now),
		}
		require.NoError(b, s.store.CreateCheck(ctx, x))
		ids = append(ids, x.PublicID)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	body := []byte("rows: 42\n")
	b.ResetTimer()
	for i := 0; i < b.N; i += batchSize {
		n := min(batchSize, b.N-i)
		batch := make([]*ingestReq, n)
		for j := range batch {
			clock.add(time.Millisecond)
			now := clock.Now()
			batch[j] = &ingestReq{publicID: ids[rng.IntN(checks)], done: make(chan error, 1),
				sig: core.Signal{Kind: core.SignalSuccess, OccurredAt: now, ReceivedAt: now, Body: body,
					Method: "POST", RemoteAddr: "127.0.0.1:40000", UserAgent: "curl/8.5.0"}}
			batch[j].take()
		}
		s.ingest.commit(batch)
		for _, r := range batch {
			if err := <-r.done; err != nil {
				b.Fatal(err)
			}
		}
	}
}
