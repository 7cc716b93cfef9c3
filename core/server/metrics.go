package server

import (
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/pakyas/pakyas/core"
)

// metrics are the server's counters. /metrics writes them in the
// Prometheus text format by hand: a handful of series does not justify a
// client library's init cost in a binary that is also the CLI.
type metrics struct {
	signals      [4]atomic.Int64 // by kind: start, success, fail, log
	batches      atomic.Int64
	batched      atomic.Int64
	testFailures atomic.Int64
	overloaded   atomic.Int64 // pings answered 503: queue full or not stored in time
}

var signalKinds = [4]core.SignalKind{core.SignalStart, core.SignalSuccess, core.SignalFail, core.SignalLog}

func (m *metrics) signal(k core.SignalKind) {
	for i, sk := range signalKinds {
		if sk == k {
			m.signals[i].Add(1)
		}
	}
}

func (m *metrics) batch(n int) {
	m.batches.Add(1)
	m.batched.Add(int64(n))
}

func (m *metrics) alertFailed() { m.testFailures.Add(1) }

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	counts, err := s.store.CountByStatus(r.Context())
	if err != nil {
		http.Error(w, "metrics unavailable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintln(w, "# HELP pakyas_signals_received_total Signals (pings) received and stored, by kind.")
	fmt.Fprintln(w, "# TYPE pakyas_signals_received_total counter")
	for i, k := range signalKinds {
		fmt.Fprintf(w, "pakyas_signals_received_total{kind=%q} %d\n", k, s.metrics.signals[i].Load())
	}
	fmt.Fprintln(w, "# HELP pakyas_checks Checks by settled status.")
	fmt.Fprintln(w, "# TYPE pakyas_checks gauge")
	for _, st := range core.Statuses {
		if st == core.StatusRunning {
			continue
		}
		fmt.Fprintf(w, "pakyas_checks{status=%q} %d\n", st, counts[st])
	}
	stats := s.dispatcher.Stats()
	fmt.Fprintln(w, "# HELP pakyas_alert_deliveries_total Alerts delivered to a channel.")
	fmt.Fprintln(w, "# TYPE pakyas_alert_deliveries_total counter")
	fmt.Fprintf(w, "pakyas_alert_deliveries_total %d\n", stats.Delivered)
	fmt.Fprintln(w, "# HELP pakyas_alert_failures_total Failed alert delivery attempts (including channel tests).")
	fmt.Fprintln(w, "# TYPE pakyas_alert_failures_total counter")
	fmt.Fprintf(w, "pakyas_alert_failures_total %d\n", stats.Failed+s.metrics.testFailures.Load())
	fmt.Fprintln(w, "# HELP pakyas_alerts_given_up_total Alerts abandoned after their last retry.")
	fmt.Fprintln(w, "# TYPE pakyas_alerts_given_up_total counter")
	fmt.Fprintf(w, "pakyas_alerts_given_up_total %d\n", stats.GaveUp)
	fmt.Fprintln(w, "# HELP pakyas_ingest_batches_total Group-commit transactions of signals.")
	fmt.Fprintln(w, "# TYPE pakyas_ingest_batches_total counter")
	fmt.Fprintf(w, "pakyas_ingest_batches_total %d\n", s.metrics.batches.Load())
	fmt.Fprintln(w, "# HELP pakyas_ingest_batched_signals_total Signals committed in group-commit transactions.")
	fmt.Fprintln(w, "# TYPE pakyas_ingest_batched_signals_total counter")
	fmt.Fprintf(w, "pakyas_ingest_batched_signals_total %d\n", s.metrics.batched.Load())
	fmt.Fprintln(w, "# HELP pakyas_ingest_overloaded_total Pings answered 503 because the ingest queue was full or the store too slow.")
	fmt.Fprintln(w, "# TYPE pakyas_ingest_overloaded_total counter")
	fmt.Fprintf(w, "pakyas_ingest_overloaded_total %d\n", s.metrics.overloaded.Load())
	fmt.Fprintln(w, "# HELP pakyas_http_requests_in_flight HTTP requests being handled, this one included.")
	fmt.Fprintln(w, "# TYPE pakyas_http_requests_in_flight gauge")
	fmt.Fprintf(w, "pakyas_http_requests_in_flight %d\n", s.inflight.running())
}
