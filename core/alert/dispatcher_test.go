package alert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// webhookSetup is a dispatcher delivering to one webhook channel "ops"
// served by answers.
func webhookSetup(t *testing.T, answers ...func(w http.ResponseWriter)) (*Dispatcher, *fakeStore, *fakeClock, chan recorded) {
	t.Helper()
	srv, got := peer(t, answers...)
	store := newFakeStore(core.Channel{ID: "ch-ops", Name: "ops", Kind: core.ChannelWebhook, Target: srv.URL})
	clock := newFakeClock()
	d := &Dispatcher{Store: store, Clock: clock, Notifiers: DefaultNotifiers(srv.Client(), SMTPConfig{})}
	return d, store, clock, got
}

func TestDispatcherDelivers(t *testing.T) {
	d, store, clock, got := webhookSetup(t, answer(http.StatusOK, ""))
	id := store.enqueue("ch-ops", downMsg())
	clock.Add(2 * time.Second)

	n, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Contains(t, (<-got).body, `"slug":"nightly-backup"`)

	a := store.alert(id)
	assert.Equal(t, core.AlertDelivered, a.State)
	assert.Equal(t, 1, a.Attempts)
	assert.Equal(t, t0.Add(2*time.Second), a.DeliveredAt)
	assert.Empty(t, a.LastError)
	assert.Equal(t, []core.TimelineEntry{{
		ID: 1, CheckID: downMsg().CheckID, At: t0.Add(2 * time.Second), Kind: core.EntryAlert,
		Reason: `alert to webhook "ops" delivered (down)`,
	}}, store.entries())
	assert.Equal(t, Stats{Delivered: 1}, d.Stats())

	n, err = d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n, "a delivered alert is not sent again")
}

func TestDispatcherRetries(t *testing.T) {
	d, store, clock, got := webhookSetup(t, answer(http.StatusInternalServerError, "oops"), answer(http.StatusOK, ""))
	id := store.enqueue("ch-ops", downMsg())

	n, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	a := store.alert(id)
	assert.Equal(t, core.AlertPending, a.State)
	assert.Equal(t, 1, a.Attempts)
	assert.Equal(t, t0.Add(30*time.Second), a.NextAttemptAt)
	assert.Equal(t, "HTTP 500 Internal Server Error", a.LastError)
	next, ok, err := store.NextAlertAt(context.Background())
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, t0.Add(30*time.Second), next)

	clock.Add(29 * time.Second)
	n, err = d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n, "not due yet")

	clock.Add(time.Second)
	n, err = d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Len(t, got, 2)
	a = store.alert(id)
	assert.Equal(t, core.AlertDelivered, a.State)
	assert.Equal(t, 2, a.Attempts)
	assert.Equal(t, t0.Add(30*time.Second), a.DeliveredAt)

	entries := store.entries()
	require.Len(t, entries, 2)
	assert.Equal(t, `alert to webhook "ops" failed (attempt 1 of 10): HTTP 500 Internal Server Error; retrying at 03:00:30 UTC`, entries[0].Reason)
	assert.Equal(t, t0, entries[0].At)
	assert.Equal(t, `alert to webhook "ops" delivered (down) on attempt 2`, entries[1].Reason)
	assert.Equal(t, t0.Add(30*time.Second), entries[1].At)
	assert.Equal(t, Stats{Delivered: 1, Failed: 1}, d.Stats())
}

func TestDispatcherOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		answer     func(w http.ResponseWriter)
		wantState  string
		wantNext   time.Time
		wantReason string
		wantStats  Stats
	}{
		{"404 gives up", answer(404, "no_service"), core.AlertFailed, t0,
			`alert to webhook "ops" gave up after 1 attempt: HTTP 404 Not Found (retrying cannot fix this)`,
			Stats{Failed: 1, GaveUp: 1}},
		{"410 gives up", answer(410, ""), core.AlertFailed, t0,
			`alert to webhook "ops" gave up after 1 attempt: HTTP 410 Gone (retrying cannot fix this)`,
			Stats{Failed: 1, GaveUp: 1}},
		{"503 retries", answer(503, ""), core.AlertPending, t0.Add(30 * time.Second),
			`alert to webhook "ops" failed (attempt 1 of 10): HTTP 503 Service Unavailable; retrying at 03:00:30 UTC`,
			Stats{Failed: 1}},
		{"429 waits as asked", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "300")
			w.WriteHeader(http.StatusTooManyRequests)
		}, core.AlertPending, t0.Add(5 * time.Minute),
			`alert to webhook "ops" failed (attempt 1 of 10): HTTP 429 Too Many Requests; retrying at 03:05:00 UTC`,
			Stats{Failed: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, store, _, _ := webhookSetup(t, tt.answer)
			id := store.enqueue("ch-ops", downMsg())
			n, err := d.RunOnce(context.Background())
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			a := store.alert(id)
			assert.Equal(t, tt.wantState, a.State)
			assert.Equal(t, tt.wantNext, a.NextAttemptAt)
			require.Len(t, store.entries(), 1)
			assert.Equal(t, tt.wantReason, store.entries()[0].Reason)
			assert.Equal(t, tt.wantStats, d.Stats())
		})
	}
}

func TestDispatcherGivesUpAfterMaxAttempts(t *testing.T) {
	d, store, clock, got := webhookSetup(t, answer(http.StatusBadGateway, ""))
	d.MaxAttempts = 3
	d.Backoff = func(int) time.Duration { return time.Minute }
	id := store.enqueue("ch-ops", downMsg())

	for range 5 {
		_, err := d.RunOnce(context.Background())
		require.NoError(t, err)
		clock.Add(time.Minute)
	}
	assert.Len(t, got, 3)
	a := store.alert(id)
	assert.Equal(t, core.AlertFailed, a.State)
	assert.Equal(t, 3, a.Attempts)
	assert.Equal(t, "HTTP 502 Bad Gateway", a.LastError)
	entries := store.entries()
	require.Len(t, entries, 3)
	assert.Equal(t, `alert to webhook "ops" failed (attempt 2 of 3): HTTP 502 Bad Gateway; retrying at 03:02:00 UTC`, entries[1].Reason)
	assert.Equal(t, `alert to webhook "ops" gave up after 3 attempts: HTTP 502 Bad Gateway`, entries[2].Reason)
	assert.Equal(t, Stats{Failed: 3, GaveUp: 1}, d.Stats())
}

func TestDispatcherChannelDeleted(t *testing.T) {
	called := false
	store := newFakeStore()
	d := &Dispatcher{Store: store, Clock: newFakeClock(), Notifiers: Notifiers{
		core.ChannelWebhook: notifierFunc(func(context.Context, core.Channel, core.AlertMessage) error { called = true; return nil }),
	}}
	id := store.enqueue("ch-gone", downMsg())

	n, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.False(t, called)
	a := store.alert(id)
	assert.Equal(t, core.AlertFailed, a.State)
	assert.Equal(t, 0, a.Attempts)
	assert.Equal(t, "the channel was deleted", a.LastError)
	require.Len(t, store.entries(), 1)
	assert.Equal(t, "alert to a deleted channel gave up: the channel was deleted", store.entries()[0].Reason)
	assert.Equal(t, Stats{GaveUp: 1}, d.Stats())
}

func TestDispatcherTestAlertHasNoTimeline(t *testing.T) {
	d, store, _, _ := webhookSetup(t, answer(http.StatusOK, ""))
	msg := downMsg()
	msg.CheckID, msg.Test = "", true
	id := store.enqueue("ch-ops", msg)

	_, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, core.AlertDelivered, store.alert(id).State)
	assert.Empty(t, store.entries())
}

// blockingSetup is a dispatcher whose webhook notifier reports each call
// on entered and then waits for ctx or release.
func blockingSetup(result error) (d *Dispatcher, store *fakeStore, entered chan int64, release chan struct{}) {
	entered, release = make(chan int64, 10), make(chan struct{})
	store = newFakeStore(core.Channel{ID: "ch-ops", Name: "ops", Kind: core.ChannelWebhook})
	d = &Dispatcher{Store: store, Clock: newFakeClock(), Notifiers: Notifiers{
		core.ChannelWebhook: notifierFunc(func(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
			entered <- int64(msg.At.Unix())
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-release:
				return result
			}
		}),
	}}
	return d, store, entered, release
}

func TestDispatcherCancelled(t *testing.T) {
	d, store, entered, _ := blockingSetup(nil)
	id := store.enqueue("ch-ops", downMsg())
	store.enqueue("ch-ops", upMsg())
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-entered; cancel() }()

	n, err := d.RunOnce(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, n)
	a := store.alert(id)
	assert.Equal(t, core.AlertPending, a.State, "cut short: stays due for the next start")
	assert.Equal(t, 0, a.Attempts)
	assert.Empty(t, store.entries())
	assert.Equal(t, Stats{}, d.Stats())
	assert.Len(t, entered, 0, "the second alert was not tried")

	n, err = d.RunOnce(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, n)
}

func TestDispatcherSavesDeliveryAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := newFakeStore(core.Channel{ID: "ch-ops", Name: "ops", Kind: core.ChannelWebhook})
	d := &Dispatcher{Store: store, Clock: newFakeClock(), Notifiers: Notifiers{
		core.ChannelWebhook: notifierFunc(func(context.Context, core.Channel, core.AlertMessage) error {
			cancel() // shutdown begins just as the receiver accepts
			return nil
		}),
	}}
	id := store.enqueue("ch-ops", downMsg())

	n, err := d.RunOnce(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, n)
	assert.Equal(t, core.AlertDelivered, store.alert(id).State, "not sent again after the restart")
	assert.Len(t, store.entries(), 1)
}

func TestDispatcherAttemptTimeout(t *testing.T) {
	d, store, _, _ := blockingSetup(nil)
	d.AttemptTimeout = 20 * time.Millisecond
	id := store.enqueue("ch-ops", downMsg())

	n, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	a := store.alert(id)
	assert.Equal(t, core.AlertPending, a.State)
	assert.Equal(t, "no answer within 20ms: context deadline exceeded", a.LastError)
}

func TestDispatcherNeverDeliversTwiceAtOnce(t *testing.T) {
	d, store, entered, release := blockingSetup(nil)
	id := store.enqueue("ch-ops", downMsg())

	first := make(chan int)
	go func() {
		n, _ := d.RunOnce(context.Background())
		first <- n
	}()
	<-entered
	n, err := d.RunOnce(context.Background()) // sees the alert due, and in flight
	require.NoError(t, err)
	assert.Zero(t, n)
	close(release)
	assert.Equal(t, 1, <-first)
	assert.Equal(t, core.AlertDelivered, store.alert(id).State)
	assert.Len(t, entered, 0)
}

func TestDispatcherConcurrencyAndOrder(t *testing.T) {
	store := newFakeStore(
		core.Channel{ID: "a", Name: "a", Kind: core.ChannelWebhook},
		core.Channel{ID: "b", Name: "b", Kind: core.ChannelWebhook},
	)
	var (
		mu       sync.Mutex
		order    = map[string][]core.Status{}
		inflight atomic.Int32
		both     = make(chan struct{})
		once     sync.Once
	)
	d := &Dispatcher{Store: store, Clock: newFakeClock(), Notifiers: Notifiers{
		core.ChannelWebhook: notifierFunc(func(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
			if inflight.Add(1) == 2 {
				once.Do(func() { close(both) })
			}
			defer inflight.Add(-1)
			// The first alert of each channel waits for the other channel.
			mu.Lock()
			first := len(order[ch.ID]) == 0
			order[ch.ID] = append(order[ch.ID], msg.To)
			mu.Unlock()
			if first {
				select {
				case <-both:
				case <-time.After(5 * time.Second):
					return errors.New("channels were not delivered to concurrently")
				}
			}
			return nil
		}),
	}}
	store.enqueue("a", downMsg())
	store.enqueue("b", downMsg())
	store.enqueue("a", upMsg())
	store.enqueue("b", upMsg())

	n, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, Stats{Delivered: 4}, d.Stats())
	want := []core.Status{core.StatusDown, core.StatusUp}
	assert.Equal(t, map[string][]core.Status{"a": want, "b": want}, order, "per channel, oldest first")
}

func TestDispatcherManyBatches(t *testing.T) {
	var chans []core.Channel
	for i := range 7 {
		chans = append(chans, core.Channel{ID: fmt.Sprint(i), Kind: core.ChannelWebhook})
	}
	store := newFakeStore(chans...)
	var calls atomic.Int32
	d := &Dispatcher{Store: store, Clock: newFakeClock(), Notifiers: Notifiers{
		core.ChannelWebhook: notifierFunc(func(context.Context, core.Channel, core.AlertMessage) error { calls.Add(1); return nil }),
	}}
	for i := range 250 {
		store.enqueue(fmt.Sprint(i%7), downMsg())
	}
	n, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 250, n)
	assert.Equal(t, int32(250), calls.Load())
	_, ok, _ := store.NextAlertAt(context.Background())
	assert.False(t, ok)
}

func TestDispatcherZeroBackoffTriesOncePerRun(t *testing.T) {
	d, store, _, got := webhookSetup(t, answer(500, ""))
	d.Backoff = func(int) time.Duration { return 0 }
	store.enqueue("ch-ops", downMsg())
	n, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Len(t, got, 1)
}

func TestDispatcherStoreError(t *testing.T) {
	d, store, _, _ := webhookSetup(t, answer(200, ""))
	store.updateErr = errors.New("disk full")
	var logged []string
	d.Logf = func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) }
	id := store.enqueue("ch-ops", downMsg())

	n, err := d.RunOnce(context.Background())
	assert.ErrorContains(t, err, "save alert 1: disk full")
	assert.Zero(t, n)
	assert.Equal(t, core.AlertPending, store.alert(id).State, "delivered again later: at least once")
	assert.Equal(t, []string{"alert dispatcher: save alert 1: disk full"}, logged)
}

func TestDispatcherRun(t *testing.T) {
	store := newFakeStore()
	store.dueCalls = make(chan struct{})
	d := &Dispatcher{Store: store, Clock: newFakeClock(), Notifiers: Notifiers{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{})
	done := make(chan struct{})
	go func() { d.Run(ctx, wake); close(done) }()

	recv(t, store.dueCalls, "the first RunOnce")
	select {
	case wake <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not take the wake-up within 10s")
	}
	recv(t, store.dueCalls, "RunOnce again after the wake-up")
	cancel()
	recv(t, done, "Run to return after cancel")
}

// recv waits for ch, failing the test after 10s: a broken dispatcher fails
// in seconds instead of hanging to the test binary's timeout.
func recv(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out after 10s waiting for %s", what)
	}
}

func TestDefaultBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 30 * time.Second},
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{7, 32 * time.Minute},
		{8, time.Hour},
		{9, time.Hour},
		{100, time.Hour},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.attempt), func(t *testing.T) {
			assert.Equal(t, tt.want, DefaultBackoff(tt.attempt))
		})
	}
}

// TestDispatcherDeliveryIDStable: every attempt of one alert carries the
// same delivery ID (the webhook-id receivers drop repeats by), and another
// alert another one.
func TestDispatcherDeliveryIDStable(t *testing.T) {
	store := newFakeStore(core.Channel{ID: "ch-ops", Name: "ops", Kind: core.ChannelWebhook})
	var ids []string
	clock := newFakeClock()
	d := &Dispatcher{Store: store, Clock: clock, Backoff: func(int) time.Duration { return time.Minute }, Notifiers: Notifiers{
		core.ChannelWebhook: notifierFunc(func(_ context.Context, _ core.Channel, msg core.AlertMessage) error {
			ids = append(ids, msg.DeliveryID)
			if len(ids) > 2 {
				return nil
			}
			return &HTTPError{StatusCode: 503, Status: "503 Service Unavailable"}
		}),
	}}
	store.enqueue("ch-ops", downMsg())
	for range 2 {
		_, err := d.RunOnce(context.Background())
		require.NoError(t, err)
		clock.Add(time.Minute)
	}
	store.enqueue("ch-ops", upMsg())
	_, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Len(t, ids, 4, "three attempts of the first, then the second")
	assert.Equal(t, ids[0], ids[1])
	assert.Equal(t, ids[0], ids[2])
	assert.NotEmpty(t, ids[0])
	assert.NotEqual(t, ids[0], ids[3])
}

// TestDispatcherReadsBoundedPages (finding 7): while channels are down and
// their alerts pile up, each pass reads due alerts a page at a time, and
// the backlog behind one channel's oldest alert never hides another
// channel's alerts.
func TestDispatcherReadsBoundedPages(t *testing.T) {
	chans := []core.Channel{}
	for i := range 300 {
		chans = append(chans, core.Channel{ID: fmt.Sprint("ch", i), Name: fmt.Sprint(i), Kind: core.ChannelWebhook})
	}
	store := newFakeStore(chans...)
	d := &Dispatcher{Store: store, Clock: newFakeClock(), Notifiers: Notifiers{
		core.ChannelWebhook: notifierFunc(func(context.Context, core.Channel, core.AlertMessage) error {
			return &HTTPError{StatusCode: 503, Status: "503 Service Unavailable"}
		}),
	}}
	for _, ch := range chans {
		for range 3 {
			store.enqueue(ch.ID, downMsg())
		}
	}
	n, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 300, n, "the oldest alert of each channel, once")
	require.NotEmpty(t, store.dueLimits)
	for _, l := range store.dueLimits {
		assert.Equal(t, batchSize, l, "never all pending alerts at once")
	}
}

// TestDispatcherLeases: two servers' dispatchers on one outbox deliver
// each alert once; the alerts a dead server had claimed are taken over
// when its lease ends, with the same delivery ID.
func TestDispatcherLeases(t *testing.T) {
	chans := []core.Channel{{ID: "ch1", Name: "one", Kind: core.ChannelWebhook}, {ID: "ch2", Name: "two", Kind: core.ChannelWebhook}}
	store := newFakeStore(chans...)
	clock := newFakeClock()
	var mu sync.Mutex
	got := map[string]int{}
	notifiers := Notifiers{core.ChannelWebhook: notifierFunc(func(_ context.Context, ch core.Channel, msg core.AlertMessage) error {
		mu.Lock()
		got[msg.DeliveryID]++
		mu.Unlock()
		return nil
	})}
	for i := range 20 {
		msg := downMsg()
		msg.CheckID = fmt.Sprint("check-", i)
		store.enqueue(chans[i%2].ID, msg)
	}
	a := &Dispatcher{Store: store, Clock: clock, Notifiers: notifiers}
	b := &Dispatcher{Store: store, Clock: clock, Notifiers: notifiers}
	var wg sync.WaitGroup
	for _, d := range []*Dispatcher{a, b} {
		wg.Go(func() {
			_, err := d.RunOnce(context.Background())
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	require.Len(t, got, 20)
	for id, n := range got {
		assert.Equal(t, 1, n, id)
	}

	// A server claims an alert and dies before delivering it.
	id := store.enqueue("ch1", downMsg())
	claimed, err := store.ClaimAlerts(context.Background(), clock.Now(), clock.Now().Add(DefaultLease), "lease_dead", 10)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	n, err := a.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n, "held by the dead server's lease")
	clock.Add(DefaultLease)
	n, err = a.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "taken over once the lease ended")
	assert.Equal(t, 1, got[fmt.Sprintf("msg_%d", id)])
	assert.Equal(t, core.AlertDelivered, store.alert(id).State)
}
