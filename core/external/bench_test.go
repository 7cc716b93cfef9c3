//go:build linux

package external_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pakyas/pakyas/core/external"
	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/internal/testutil"
)

// BenchmarkHost is what three targets cost a run that does nothing:
// launch healthchecks, cronitor and webhook, give them the start and the
// finish event, stop them. scripts/bench.sh measures the same through
// the pakyas binary.
func BenchmarkHost(b *testing.B) {
	dir := install(b, "healthchecks", "cronitor", "webhook")
	svc := services{hc: newRecorder(b, 200), cron: newRecorder(b, 200), hook: newRecorder(b, 200)}
	cfg := load(b, svc.doc("backup-db", ""))
	var phases [3]time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		h := external.Start(context.Background(), external.Options{Config: cfg, Key: "backup-db",
			Dirs: []external.Dir{{Path: dir}}})
		h.Post(context.Background(), event(target.Start))
		t1 := time.Now()
		for _, r := range h.Send(context.Background(), event(target.Success)) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		t2 := time.Now()
		h.Close()
		t3 := time.Now()
		phases[0] += t1.Sub(t0)
		phases[1] += t2.Sub(t1)
		phases[2] += t3.Sub(t2)
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64((phases[0]/n).Microseconds())/1000, "ms-start/op")
	b.ReportMetric(float64((phases[1]/n).Microseconds())/1000, "ms-send/op")
	b.ReportMetric(float64((phases[2]/n).Microseconds())/1000, "ms-close/op")
}

// BenchmarkMonitorOverhead is the wall time three configured targets
// (healthchecks, cronitor, webhook) add to `pakyas monitor --public-id ID
// -- true`, the worst case: a job that gives the plugins no time to start
// while it runs. The Pakyas server and the three services are httptest
// stand-ins that answer at once, so the figure is pakyas's own cost. The
// runs with and without targets take turns; ms-overhead is the difference
// of their medians (target: under 20 ms).
func BenchmarkMonitorOverhead(b *testing.B) {
	dir := install(b, "healthchecks", "cronitor", "webhook")
	pakyas := testutil.Binary(b, "./cmd/pakyas", "pakyas")
	api := newRecorder(b, 200)
	svc := services{hc: newRecorder(b, 200), cron: newRecorder(b, 200), hook: newRecorder(b, 200)}
	cfg := load(b, svc.doc(downID, ""))
	root := b.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + root, "XDG_CONFIG_HOME=" + filepath.Join(root, "config"),
		"XDG_STATE_HOME=" + filepath.Join(root, "state"), "PAKYAS_PLUGIN_DIR=" + dir, "PAKYAS_API_URL=" + api.URL}
	run := func(args ...string) time.Duration {
		cmd := exec.Command(pakyas, append(append([]string{"monitor", "-q", "--public-id", downID}, args...), "--", "true")...)
		cmd.Env = env
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			b.Fatalf("pakyas monitor: %v\n%s", err, out)
		}
		return time.Since(t0)
	}
	var none, three []time.Duration
	for b.Loop() {
		none = append(none, run())
		three = append(three, run("--external-config", cfg.Path))
	}
	b.StopTimer()
	mNone, mThree := median(none), median(three)
	b.ReportMetric(ms(mNone), "ms-none")
	b.ReportMetric(ms(mThree), "ms-three")
	b.ReportMetric(ms(mThree-mNone), "ms-overhead")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
