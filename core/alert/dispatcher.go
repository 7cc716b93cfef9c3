package alert

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pakyas/pakyas/core"
)

// Dispatcher defaults.
const (
	DefaultMaxAttempts    = 10
	DefaultAttemptTimeout = 15 * time.Second
	DefaultConcurrency    = 4
	// DefaultLease is how long a claimed page of alerts is held before
	// another server may take it over; each alert's lease is renewed
	// for its attempt just before it is tried.
	DefaultLease = time.Minute

	batchSize    = 100
	maxBackoff   = time.Hour
	maxIdle      = time.Minute      // Run looks at the outbox at least this often
	errorDelay   = 5 * time.Second  // Run waits this long after a store error
	recordWithin = 10 * time.Second // to record an attempt, even during shutdown
	maxErrorText = 300              // of a notifier's error in a timeline reason
)

// DefaultBackoff is the delay before retry number attempt (1 after the
// first failure): 30s, 1m, 2m, 4m, ... capped at 1h.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 20 {
		return maxBackoff
	}
	return min(30*time.Second<<(attempt-1), maxBackoff)
}

// Dispatcher delivers the alert outbox: every pending alert whose
// NextAttemptAt has come is sent to its channel, and the outcome is saved
// with a line in the check's timeline, in one transaction. Set the fields
// before the first call and do not copy a Dispatcher after that.
//
// Deliveries to different channels run concurrently; the alerts of one
// channel go one at a time, oldest first, so a recovery never overtakes the
// alert it recovers from. Within one process an alert is never delivered
// twice at once. Delivery is at least once: a crash after the receiver
// accepted a message and before the outcome was saved sends it again.
type Dispatcher struct {
	Store core.Store
	// Clock tells the time of attempts and retries; core.SystemClock
	// when nil.
	Clock     core.Clock
	Notifiers Notifiers
	// MaxAttempts is how many times an alert is tried before it is given
	// up; DefaultMaxAttempts when 0.
	MaxAttempts int
	// Backoff is the delay before retry number attempt; DefaultBackoff
	// when nil. A Retry-After answer can lengthen it.
	Backoff func(attempt int) time.Duration
	// AttemptTimeout bounds one delivery; DefaultAttemptTimeout when 0.
	AttemptTimeout time.Duration
	// Concurrency is how many channels are delivered to at once;
	// DefaultConcurrency when 0.
	Concurrency int
	// Logf, when set, is told about failed attempts and store errors.
	Logf func(format string, args ...any)
	// Lease is how long claimed alerts are held (DefaultLease when 0):
	// servers sharing a database deliver each alert once, and take over
	// the alerts of one that died when their lease ends.
	Lease time.Duration

	tokenOnce sync.Once
	token     string // this dispatcher's lease token

	mu       sync.Mutex
	inflight map[int64]bool // alerts being delivered, by ID

	delivered, failed, gaveUp atomic.Int64
}

// Stats counts the Dispatcher's work since it was created.
type Stats struct {
	Delivered int64 // alerts the receiver accepted
	Failed    int64 // failed attempts, including the last of each given-up alert
	GaveUp    int64 // alerts given up: permanent error, last attempt, or channel gone
}

// Stats returns the counters; it is safe to call at any time.
func (d *Dispatcher) Stats() Stats {
	return Stats{Delivered: d.delivered.Load(), Failed: d.failed.Load(), GaveUp: d.gaveUp.Load()}
}

// Run delivers alerts until ctx is done: RunOnce, then wait until the next
// alert is due (Store.NextAlertAt), a value arrives on wake (send one after
// enqueueing an alert; a nil wake is never ready), or at most a minute. It
// returns once ctx is done and the deliveries in flight are saved; alerts
// not yet tried stay in the outbox for the next start.
func (d *Dispatcher) Run(ctx context.Context, wake <-chan struct{}) {
	for ctx.Err() == nil {
		n, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.logf("alert dispatcher: %v", err)
		}
		t := time.NewTimer(d.idle(ctx, n, err))
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// idle returns how long Run waits after a RunOnce that tried n alerts.
func (d *Dispatcher) idle(ctx context.Context, n int, runErr error) time.Duration {
	next, ok, err := d.Store.NextAlertAt(ctx)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			d.logf("alert dispatcher: next alert: %v", err)
		}
		return errorDelay
	case !ok:
		return maxIdle
	}
	wait := min(next.Sub(d.now()), maxIdle)
	if wait <= 0 && (runErr != nil || n == 0) {
		// Due but not delivered: the store is failing or the alert is in
		// flight elsewhere. Do not spin.
		return errorDelay
	}
	return max(wait, 0)
}

// RunOnce delivers every alert due now and returns how many attempts it
// made and saved. Alerts are read 100 at a time (Store.DueAlerts: only the
// oldest pending alert of each check and channel) until none is left that
// this call has not tried; each is tried at most once per call. Its error is the first
// store error, or ctx's error when ctx ended the run; failed deliveries are
// not errors, they are saved on the alert.
func (d *Dispatcher) RunOnce(ctx context.Context) (n int, err error) {
	tried := map[int64]bool{}
	for ctx.Err() == nil {
		now := d.now()
		due, err := d.Store.ClaimAlerts(ctx, now, now.Add(cmp.Or(d.Lease, DefaultLease)), d.leaseToken(), batchSize)
		if err != nil {
			return n, fmt.Errorf("claim alerts: %w", err)
		}
		claimed := d.claim(due, tried)
		if len(claimed) == 0 {
			break
		}
		m, err := d.deliverAll(ctx, claimed)
		n += m
		if err != nil {
			return n, err
		}
		// Read again even after a short page: delivering the head of a
		// queue makes the next alert of that queue due.
	}
	return n, ctx.Err()
}

// leaseToken returns the token this dispatcher claims alerts with:
// random, so two servers (or two dispatchers) never share one.
func (d *Dispatcher) leaseToken() string {
	d.tokenOnce.Do(func() {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		d.token = "lease_" + hex.EncodeToString(b)
	})
	return d.token
}

// claim marks the alerts of due that are neither in flight nor already
// tried as in flight and tried, and returns them.
func (d *Dispatcher) claim(due []core.Alert, tried map[int64]bool) []core.Alert {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inflight == nil {
		d.inflight = map[int64]bool{}
	}
	var out []core.Alert
	for _, a := range due {
		if tried[a.ID] || d.inflight[a.ID] {
			continue
		}
		tried[a.ID] = true
		d.inflight[a.ID] = true
		out = append(out, a)
	}
	return out
}

func (d *Dispatcher) release(id int64) {
	d.mu.Lock()
	delete(d.inflight, id)
	d.mu.Unlock()
}

// deliverAll delivers batch, channels concurrently and each channel's
// alerts in order, and returns how many attempts were saved and the first
// error.
func (d *Dispatcher) deliverAll(ctx context.Context, batch []core.Alert) (int, error) {
	var order []string
	byChannel := map[string][]core.Alert{}
	for _, a := range batch {
		if _, ok := byChannel[a.ChannelID]; !ok {
			order = append(order, a.ChannelID)
		}
		byChannel[a.ChannelID] = append(byChannel[a.ChannelID], a)
	}
	for _, alerts := range byChannel {
		// Oldest first: DueAlerts orders by due time, and a retry may be
		// due after a newer alert.
		slices.SortStableFunc(alerts, func(a, b core.Alert) int { return cmp.Compare(a.ID, b.ID) })
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		n        int
		firstErr error
		sem      = make(chan struct{}, cmp.Or(max(d.Concurrency, 0), DefaultConcurrency))
	)
	for _, id := range order {
		alerts := byChannel[id]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			waiting := map[string]bool{} // checks whose alert waits for a retry
			for i := range alerts {
				a := &alerts[i]
				if ctx.Err() != nil {
					for _, rest := range alerts[i:] {
						d.release(rest.ID)
					}
					return
				}
				if a.CheckID != "" && waiting[a.CheckID] {
					d.release(a.ID) // after the older one, in a later run
					continue
				}
				saved, err := d.deliver(ctx, a)
				d.release(a.ID)
				if a.CheckID != "" && (!saved || a.State == core.AlertPending) {
					waiting[a.CheckID] = true
				}
				mu.Lock()
				if saved {
					n++
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return n, firstErr
}

// deliver makes one attempt at a and saves its outcome. It reports whether
// the outcome was saved; an attempt cut short because ctx ended is not
// saved, so the alert stays due.
func (d *Dispatcher) deliver(ctx context.Context, a *core.Alert) (bool, error) {
	ch, err := d.Store.Channel(ctx, a.ChannelID)
	if err != nil && !core.IsNotFound(err) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, fmt.Errorf("alert %d: load channel %s: %w", a.ID, a.ChannelID, err)
	}
	if ch == nil { // deleted after the alert was queued
		a.State = core.AlertFailed
		a.LastError = "the channel was deleted"
		d.gaveUp.Add(1)
		return d.save(ctx, a, d.now(), "alert to a deleted channel gave up: the channel was deleted")
	}
	// Hold the alert for this attempt and the saving of its outcome: a
	// lease that ended while the alert waited its turn may have been
	// taken over by another server, which delivers it instead.
	if a.LeaseToken != "" {
		until := d.now().Add(d.attemptTimeout() + recordWithin)
		if err := d.Store.RenewAlertLease(ctx, a.ID, a.LeaseToken, until); err != nil {
			if core.ErrorCode(err) == core.ECONFLICT {
				return false, nil
			}
			return false, fmt.Errorf("alert %d: renew lease: %w", a.ID, err)
		}
	}
	msg := a.Message
	msg.DeliveryID = fmt.Sprintf("msg_%d", a.ID)
	nerr := d.attempt(ctx, *ch, msg)
	if nerr != nil && ctx.Err() != nil {
		return false, ctx.Err()
	}
	now := d.now()
	a.Attempts++
	reason := d.outcome(a, *ch, now, nerr)
	if nerr != nil {
		d.logf("%s", reason)
	}
	return d.save(ctx, a, now, reason)
}

// attempt calls the channel's notifier under the attempt timeout.
func (d *Dispatcher) attempt(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	timeout := d.attemptTimeout()
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := d.Notifiers.Notify(actx, ch, msg)
	if err != nil && errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("no answer within %v: %w", timeout, err)
	}
	return err
}

func (d *Dispatcher) attemptTimeout() time.Duration {
	if d.AttemptTimeout <= 0 {
		return DefaultAttemptTimeout
	}
	return d.AttemptTimeout
}

// outcome updates a after an attempt that ended with err at now, counts it
// and returns the timeline reason.
func (d *Dispatcher) outcome(a *core.Alert, ch core.Channel, now time.Time, err error) string {
	who := fmt.Sprintf("alert to %s %q", ch.Kind, ch.Name)
	if err == nil {
		a.State = core.AlertDelivered
		a.DeliveredAt = now
		a.LastError = ""
		d.delivered.Add(1)
		if a.Attempts > 1 {
			return fmt.Sprintf("%s delivered (%s) on attempt %d", who, a.Message.To, a.Attempts)
		}
		return fmt.Sprintf("%s delivered (%s)", who, a.Message.To)
	}
	d.failed.Add(1)
	text := errorText(err)
	a.LastError = text
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	switch {
	case IsPermanent(err):
		a.State = core.AlertFailed
		d.gaveUp.Add(1)
		return fmt.Sprintf("%s gave up after %s: %s (retrying cannot fix this)", who, plural(a.Attempts, "attempt"), text)
	case a.Attempts >= maxAttempts:
		a.State = core.AlertFailed
		d.gaveUp.Add(1)
		return fmt.Sprintf("%s gave up after %s: %s", who, plural(a.Attempts, "attempt"), text)
	}
	a.NextAttemptAt = now.Add(d.delay(a.Attempts, err))
	return fmt.Sprintf("%s failed (attempt %d of %d): %s; retrying at %s",
		who, a.Attempts, maxAttempts, text, clockTime(a.NextAttemptAt))
}

// delay returns the wait before the next attempt: the backoff, or longer
// when the receiver asked for it with Retry-After.
func (d *Dispatcher) delay(attempts int, err error) time.Duration {
	backoff := d.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	wait := max(backoff(attempts), 0)
	var he *HTTPError
	if errors.As(err, &he) {
		wait = max(wait, min(he.RetryAfter, maxBackoff))
	}
	return wait
}

// save writes a and, for a check's alert, a timeline entry at with reason,
// in one transaction. It runs even when ctx has ended, so that a message
// the receiver accepted is not sent again after a restart.
func (d *Dispatcher) save(ctx context.Context, a *core.Alert, at time.Time, reason string) (bool, error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordWithin)
	defer cancel()
	err := d.Store.Update(wctx, func(q core.Queries) error {
		if err := q.UpdateAlert(wctx, a); err != nil {
			if core.IsNotFound(err) { // deleted with its check or channel
				return nil
			}
			return fmt.Errorf("update alert %d: %w", a.ID, err)
		}
		if a.CheckID == "" || a.Message.Test {
			return nil
		}
		e := core.TimelineEntry{CheckID: a.CheckID, At: at, Kind: core.EntryAlert, Reason: reason}
		if err := q.AddTimeline(wctx, &e); err != nil {
			return fmt.Errorf("alert %d: add timeline entry: %w", a.ID, err)
		}
		return nil
	})
	if core.ErrorCode(err) == core.ECONFLICT {
		// Another server took the alert over: it delivers it again, with
		// the same webhook-id, and records the outcome.
		d.logf("alert dispatcher: %v", err)
		return false, nil
	}
	if err != nil {
		d.logf("alert dispatcher: save alert %d: %v", a.ID, err)
		return false, fmt.Errorf("save alert %d: %w", a.ID, err)
	}
	return true, nil
}

func (d *Dispatcher) now() time.Time {
	if d.Clock == nil {
		return time.Now()
	}
	return d.Clock.Now()
}

func (d *Dispatcher) logf(format string, args ...any) {
	if d.Logf != nil {
		d.Logf(format, args...)
	}
}

// errorText returns err's message, shortened for a timeline line.
func errorText(err error) string {
	s := err.Error()
	if len(s) > maxErrorText {
		s = strings.ToValidUTF8(s[:maxErrorText], "") + "…"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
