package alert

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core"
)

// t0 is when every test starts.
var t0 = time.Date(2026, 5, 6, 3, 0, 0, 0, time.UTC)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeStore keeps channels, alerts and timeline entries in memory. It
// embeds a nil core.Store, so a method the dispatcher is not expected to
// call panics.
type fakeStore struct {
	core.Store

	mu       sync.Mutex
	channels map[string]core.Channel
	alerts   map[int64]*core.Alert
	timeline []core.TimelineEntry
	nextID   int64

	writeMu   sync.Mutex // Update is serialised, as in the real stores
	updateErr error      // returned by Update without calling fn
	dueCalls  chan struct{}
	dueLimits []int // the limit of each DueAlerts
}

func newFakeStore(channels ...core.Channel) *fakeStore {
	s := &fakeStore{channels: map[string]core.Channel{}, alerts: map[int64]*core.Alert{}}
	for _, ch := range channels {
		s.channels[ch.ID] = ch
	}
	return s
}

// enqueue adds a pending alert due at t0 and returns its ID.
func (s *fakeStore) enqueue(channelID string, msg core.AlertMessage) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.alerts[s.nextID] = &core.Alert{
		ID: s.nextID, CheckID: msg.CheckID, ChannelID: channelID, Message: msg,
		State: core.AlertPending, NextAttemptAt: t0, CreatedAt: t0,
	}
	return s.nextID
}

func (s *fakeStore) alert(id int64) core.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.alerts[id]
}

func (s *fakeStore) entries() []core.TimelineEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.timeline)
}

func (s *fakeStore) Update(ctx context.Context, fn func(q core.Queries) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.updateErr != nil {
		return s.updateErr
	}
	return fn(s)
}

func (s *fakeStore) Channel(ctx context.Context, id string) (*core.Channel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[id]
	if !ok {
		return nil, core.Errorf(core.ENOTFOUND, "channel %s not found", id)
	}
	return &ch, nil
}

func (s *fakeStore) DueAlerts(ctx context.Context, t time.Time, limit int) ([]core.Alert, error) {
	if s.dueCalls != nil {
		select {
		case s.dueCalls <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dueLimits = append(s.dueLimits, limit)
	head := map[alertKey]int64{} // the oldest pending alert of each check and channel
	for _, a := range s.alerts {
		k := alertKey{ChannelID: a.ChannelID, CheckID: a.CheckID}
		if a.State == core.AlertPending && a.CheckID != "" {
			if id, ok := head[k]; !ok || a.ID < id {
				head[k] = a.ID
			}
		}
	}
	var out []core.Alert
	for _, a := range s.alerts {
		k := alertKey{ChannelID: a.ChannelID, CheckID: a.CheckID}
		if a.State == core.AlertPending && !a.NextAttemptAt.After(t) && (a.CheckID == "" || head[k] == a.ID) &&
			!a.LeaseUntil.After(t) {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b core.Alert) int { return int(a.ID - b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *fakeStore) ClaimAlerts(ctx context.Context, now, until time.Time, token string, limit int) ([]core.Alert, error) {
	due, err := s.DueAlerts(ctx, now, limit)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range due {
		a := s.alerts[due[i].ID]
		a.LeaseToken, a.LeaseUntil = token, until
		due[i] = *a
	}
	return due, nil
}

func (s *fakeStore) RenewAlertLease(ctx context.Context, id int64, token string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.alerts[id]
	if !ok || a.LeaseToken != token || a.State != core.AlertPending {
		return core.Errorf(core.ECONFLICT, "alert %d: lease lost", id)
	}
	a.LeaseUntil = until
	return nil
}

func (s *fakeStore) NextAlertAt(ctx context.Context) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, a := range s.alerts {
		if a.State == core.AlertPending && (next.IsZero() || a.NextAttemptAt.Before(next)) {
			next = a.NextAttemptAt
		}
	}
	return next, !next.IsZero(), nil
}

func (s *fakeStore) UpdateAlert(ctx context.Context, a *core.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.alerts[a.ID]
	if !ok {
		return core.Errorf(core.ENOTFOUND, "alert %d not found", a.ID)
	}
	if a.LeaseToken != "" && a.LeaseToken != old.LeaseToken {
		return core.Errorf(core.ECONFLICT, "alert %d: lease lost", a.ID)
	}
	old.LeaseToken, old.LeaseUntil = "", time.Time{}
	old.State, old.Attempts, old.NextAttemptAt = a.State, a.Attempts, a.NextAttemptAt
	old.LastError, old.DeliveredAt = a.LastError, a.DeliveredAt
	return nil
}

func (s *fakeStore) AddTimeline(ctx context.Context, e *core.TimelineEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.ID = int64(len(s.timeline) + 1)
	s.timeline = append(s.timeline, *e)
	return nil
}

// notifierFunc adapts a function to Notifier.
type notifierFunc func(ctx context.Context, ch core.Channel, msg core.AlertMessage) error

func (f notifierFunc) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	return f(ctx, ch, msg)
}

// downMsg is the message of a typical alert.
func downMsg() core.AlertMessage {
	return core.AlertMessage{
		CheckID: "c0ffee00-0000-4000-8000-000000000001", PublicID: "9a1e0000-0000-4000-8000-000000000002",
		Name: "Nightly Backup", Slug: "nightly-backup", Project: "Infra",
		From: core.StatusUp, To: core.StatusDown,
		Reason: "no success signal since 02:00 UTC", At: t0,
	}
}

// upMsg is the recovery after downMsg.
func upMsg() core.AlertMessage {
	m := downMsg()
	m.From, m.To, m.Reason = core.StatusDown, core.StatusUp, "success signal received"
	m.At = t0.Add(5 * time.Minute)
	return m
}

// alertKey names the alerts whose order is kept: those about one check to
// one channel.
type alertKey struct{ ChannelID, CheckID string }
