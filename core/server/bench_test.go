package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

// BenchmarkPingIngest measures acknowledged pings per second through the
// real HTTP handler and SQLite store (WAL, synchronous=FULL), with many
// concurrent senders so group commit can batch them.
func BenchmarkPingIngest(b *testing.B) {
	srv := testutil.StartServer(b)
	c := srv.Client(srv.Key)
	ctx := context.Background()
	me, err := c.Me(ctx)
	require.NoError(b, err)
	pid := me.Orgs[0].Projects[0].ID
	var ids []string
	for i := 0; i < 100; i++ {
		ch, err := c.CreateCheck(ctx, pid, api.CheckInput{Slug: ptr(fmt.Sprintf("job-%d", i)), Period: ptr[int64](3600)})
		require.NoError(b, err)
		ids = append(ids, ch.PublicID)
	}
	sendPings(b, []string{srv.URL}, ids)
	reportBatch(b, srv)
}

func reportBatch(b *testing.B, srv *testutil.Server) {
	code, body, _ := srv.Do(b, "GET", "/metrics", "", nil)
	require.Equal(b, 200, code)
	var batches, batched float64
	for _, l := range strings.Split(string(body), "\n") {
		fmt.Sscanf(l, "pakyas_ingest_batches_total %g", &batches)
		fmt.Sscanf(l, "pakyas_ingest_batched_signals_total %g", &batched)
	}
	if batches > 0 {
		b.ReportMetric(batched/batches, "pings/batch")
	}
}
