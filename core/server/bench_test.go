package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
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
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}
	client := &http.Client{Transport: tr}
	body := strings.Repeat("x", 200)
	var n atomic.Int64
	b.SetParallelism(128) // 128 × GOMAXPROCS concurrent senders, like many cron hosts
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			resp, err := client.Post(srv.URL+"/ping/"+ids[i%int64(len(ids))], "text/plain", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pings/s")
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
