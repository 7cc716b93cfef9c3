package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// BenchmarkIngest measures the server's ingest path: each iteration is one
// signal, handled as the server does (look the check up by public ID,
// record the signal with a 200-byte body, save the state), in Update
// batches of 500 (group commit), over 100 checks with UUIDs, with
// synchronous=FULL.
func BenchmarkIngest(b *testing.B) {
	const (
		checks = 100
		batch  = 500
	)
	ctx := context.Background()
	s := open(b)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(b, s.CreateOrg(ctx, &core.Org{ID: "org", Name: "org", CreatedAt: start}))
	require.NoError(b, s.CreateProject(ctx, &core.Project{ID: "project", OrgID: "org", Name: "p", CreatedAt: start}))
	publicIDs := make([]string, checks)
	for i := range publicIDs {
		publicIDs[i] = uuid.NewString()
		require.NoError(b, s.CreateCheck(ctx, &core.Check{
			ID: uuid.NewString(), PublicID: publicIDs[i], OrgID: "org", ProjectID: "project",
			Name: "c", Slug: fmt.Sprintf("c%03d", i), CreatedAt: start, UpdatedAt: start,
			Schedule: core.Schedule{Kind: core.SchedulePeriod, Period: time.Minute, Grace: time.Minute},
			State:    core.CheckState{Status: core.StatusNew, StatusSince: start, LastExitCode: -1},
		}))
	}
	body := bytes.Repeat([]byte("output line\n"), 17)[:200]

	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		n := min(batch, b.N-i)
		err := s.Update(ctx, func(q core.Queries) error {
			for j := range n {
				k := i + j
				now := start.Add(time.Duration(k) * time.Millisecond)
				c, err := q.CheckByPublicID(ctx, publicIDs[k%checks])
				if err != nil {
					return err
				}
				e := &core.TimelineEntry{CheckID: c.ID, At: now, Kind: core.EntrySignal, Signal: &core.Signal{
					CheckID: c.ID, Kind: core.SignalSuccess, Body: body, OccurredAt: now, ReceivedAt: now,
					Method: "POST", RemoteAddr: "192.0.2.1:40000", UserAgent: "curl/8.5.0",
				}}
				if err := q.AddTimeline(ctx, e); err != nil {
					return err
				}
				c.State.Status, c.State.StatusSince = core.StatusUp, now
				c.State.LastSignalAt, c.State.LastSuccessAt, c.State.LastRunAt = now, now, now
				c.State.LastExitCode = 0
				c.State.NextEvalAt = now.Add(2 * time.Minute)
				if err := q.SaveCheckState(ctx, c.ID, c.State); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signals/s")
}
