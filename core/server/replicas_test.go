package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
	"github.com/pakyas/pakyas/internal/testutil"
)

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startReplica starts `pakyas server` on the PostgreSQL database at
// dbURL, with --dev (returning its key) or without, and returns when it
// answers /healthz.
func startReplica(t *testing.T, dbURL string, dev bool) *proc {
	t.Helper()
	bin := testutil.Binary(t, "./cmd/pakyas", "pakyas")
	args := []string{"server", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--database-url", dbURL,
		"--keep-signals", "100000", "--allow-private-ips"}
	if dev {
		args = append(args, "--dev")
	}
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	p := &proc{cmd: cmd, stderr: &strings.Builder{}}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			w := &syncWriter{b: p.stderr}
			_, _ = w.Write([]byte(sc.Text() + "\n"))
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	if dev {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		require.NoError(t, err)
		f := strings.Fields(line)
		require.Len(t, f, 6, "one 'pakyas login' line: %q", line)
		p.key = f[5]
	}
	select {
	case p.url = <-urls:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not say where it listens")
	}
	waitHealthy(t, p.url)
	return p
}

// TestReplicas runs two `pakyas server` processes on one PostgreSQL
// database: what one writes the other serves, pings to either move the
// check (through the API and the built CLI), a deadline is judged once
// with one alert, and when one is killed under load the other goes on
// with nothing acknowledged lost.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	a := startReplica(t, dbURL, true)
	b := startReplica(t, dbURL, false) // the same data, without --dev
	ca := &api.Client{BaseURL: a.url, APIKey: a.key}
	cb := &api.Client{BaseURL: b.url, APIKey: a.key}

	me, err := cb.Me(ctx)
	require.NoError(t, err, "the key made by one replica works on the other")
	org := me.Orgs[0].ID
	hook := testutil.NewReceiver(t, http.StatusOK)
	_, err = ca.CreateChannel(ctx, org, api.ChannelInput{Name: "hook", Kind: "webhook", Target: hook.URL})
	require.NoError(t, err)
	// The built CLI: created through one replica, shown by the other.
	cli := func(p *proc, args ...string) string {
		cmd := exec.Command(testutil.Binary(t, "./cmd/pakyas", "pakyas"), args...)
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_STATE_HOME="+home,
			"PAKYAS_API_URL="+p.url, "PAKYAS_API_KEY="+a.key, "PAKYAS_EXTERNAL_CONFIG=", "PAKYAS_NO_EXTERNAL=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "pakyas %s: %s", strings.Join(args, " "), out)
		return string(out)
	}
	cli(a, "check", "create", "--name", "Nightly", "--slug", "nightly", "--period", "30", "--grace", "0")
	var chk api.Check
	require.NoError(t, json.Unmarshal([]byte(cli(b, "check", "show", "nightly", "--format", "json")), &chk),
		"created through one, seen by the other")
	assert.Equal(t, "nightly", chk.Slug)
	assert.Equal(t, "new", chk.Status)

	// A success that happened 25 s ago, through one replica: the check is
	// up on the other, and due 5 s from now; a log through the other
	// wakes its evaluation loop too, so both are awake when it falls due.
	_, err = ca.Ping(ctx, api.Ping{PublicID: chk.PublicID, At: time.Now().Add(-25 * time.Second)})
	require.NoError(t, err)
	up, err := cb.Check(ctx, chk.ID)
	require.NoError(t, err)
	assert.Equal(t, "up", up.Status, "a ping through one replica moves the check on the other")
	_, err = cb.Ping(ctx, api.Ping{PublicID: chk.PublicID, Kind: "log"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		c, err := cb.Check(ctx, chk.ID)
		return err == nil && c.Status == "down"
	}, 20*time.Second, 50*time.Millisecond, "goes down once the deadline passes")
	var alerts []testutil.Request
	require.Eventually(t, func() bool {
		for _, r := range hook.Drain() {
			if strings.Contains(string(r.Body), `"down"`) {
				alerts = append(alerts, r)
			}
		}
		return len(alerts) > 0
	}, 20*time.Second, 50*time.Millisecond, "the down alert is delivered")
	time.Sleep(2 * time.Second) // a second delivery, if any, would come now
	for _, r := range hook.Drain() {
		if strings.Contains(string(r.Body), `"down"`) {
			alerts = append(alerts, r)
		}
	}
	assert.Len(t, alerts, 1, "one alert for one transition, across replicas")
	tl, err := ca.Timeline(ctx, chk.ID, "", 1000)
	require.NoError(t, err)
	downs := 0
	for _, e := range tl.Entries {
		if e.Kind == "transition" && e.To == "down" {
			downs++
		}
	}
	assert.Equal(t, 1, downs, "one transition to down: %s", mustJSON(tl.Entries))
	cli(b, "ping", "nightly", "--fail")
	failed, err := ca.Check(ctx, chk.ID)
	require.NoError(t, err)
	assert.Equal(t, "failed", failed.Status, "and through the other")
	require.Eventually(t, func() bool {
		for _, r := range hook.Drain() {
			if strings.Contains(string(r.Body), `"failed"`) {
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond, "the failed alert is delivered")

	// One replica killed under load: the other keeps ingesting, and every
	// acknowledged ping is stored. A day's period first, so that the
	// check cannot go Missing (and alert, rightly) during the load on a
	// slow machine.
	_, err = ca.UpdateCheck(ctx, chk.ID, api.CheckInput{Period: ptr[int64](86400)})
	require.NoError(t, err)
	before := countSignals(t, cb, chk.ID)
	la, lb := pingLoad(a.url, chk.PublicID), pingLoad(b.url, chk.PublicID)
	require.Eventually(t, func() bool { return la.acked.Load() > 50 && lb.acked.Load() > 50 }, 20*time.Second, time.Millisecond)
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGKILL))
	_ = a.cmd.Wait()
	atKill := lb.acked.Load()
	require.Eventually(t, func() bool { return lb.acked.Load() > atKill+50 }, 20*time.Second, time.Millisecond,
		"the other replica keeps answering pings; stderr: %s", b.stderr)
	ackedA, ackedB := la.stop(t), lb.stop(t)
	stored := countSignals(t, cb, chk.ID) - before
	assert.GreaterOrEqual(t, stored, ackedA+ackedB, "every acknowledged ping is stored (%d + %d acknowledged)", ackedA, ackedB)
	assert.LessOrEqual(t, stored, ackedA+ackedB+8, "at most the pings in flight at the kill are stored unacknowledged")
	assert.Empty(t, hook.Drain(), "no alert repeated")

	// The survivor judges deadlines alone.
	next, err := cb.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Slug: ptr("hourly"), Period: ptr[int64](30), Grace: ptr[int64](0)})
	require.NoError(t, err)
	_, err = cb.Ping(ctx, api.Ping{PublicID: next.PublicID, At: time.Now().Add(-28 * time.Second)})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		c, err := cb.Check(ctx, next.ID)
		return err == nil && c.Status == "down"
	}, 20*time.Second, 50*time.Millisecond, "the survivor judges the next deadline")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
