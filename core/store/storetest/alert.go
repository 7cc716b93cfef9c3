package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

func testChannels(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	slack := &core.Channel{ID: id(), OrgID: f.org.ID, Name: "slack", Kind: core.ChannelSlack, Target: "https://hooks.slack.com/services/T0/B0/x", CreatedAt: at(time.Hour)}
	email := &core.Channel{ID: id(), OrgID: f.org.ID, Name: "email", Kind: core.ChannelEmail, Target: "ops@example.com", CreatedAt: at(2 * time.Hour),
		Settings: map[string]string{"region": "eu"}}
	hook := &core.Channel{ID: id(), OrgID: f.org.ID, Name: "hook", Kind: core.ChannelWebhook, Target: "https://example.com/h", Secret: "whsec_c2VjcmV0", CreatedAt: at(3 * time.Hour)}
	require.NoError(t, s.CreateChannel(ctx, slack))
	require.NoError(t, s.CreateChannel(ctx, email))
	require.NoError(t, s.CreateChannel(ctx, hook))

	got, err := s.Channel(ctx, slack.ID)
	require.NoError(t, err)
	assert.Equal(t, slack, got)

	chs, err := s.Channels(ctx, f.org.ID)
	require.NoError(t, err)
	assert.Equal(t, []core.Channel{*email, *hook, *slack}, chs, "by name, secrets kept")

	chs, err = s.Channels(ctx, id())
	require.NoError(t, err)
	assert.Empty(t, chs)

	requireCode(t, core.ECONFLICT, s.CreateChannel(ctx, &core.Channel{ID: slack.ID, OrgID: f.org.ID, Name: "again", Kind: core.ChannelSlack, CreatedAt: at(0)}))
	requireCode(t, core.ENOTFOUND, s.CreateChannel(ctx, &core.Channel{ID: id(), OrgID: id(), Name: "orphan", Kind: core.ChannelSlack, CreatedAt: at(0)}))

	require.NoError(t, s.DeleteChannel(ctx, slack.ID))
	_, err = s.Channel(ctx, slack.ID)
	requireCode(t, core.ENOTFOUND, err)
	requireCode(t, core.ENOTFOUND, s.DeleteChannel(ctx, slack.ID))
}

// message returns an alert message about c.
func message(c *core.Check, to core.Status) core.AlertMessage {
	return core.AlertMessage{
		CheckID: c.ID, PublicID: c.PublicID, Name: c.Name, Slug: c.Slug, Project: "backend",
		From: core.StatusUp, To: to, Reason: "no success signal within 1h5m", At: at(time.Hour),
	}
}

func testAlerts(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "alerting")
	ch := &core.Channel{ID: id(), OrgID: f.org.ID, Name: "hook", Kind: core.ChannelWebhook, Target: "https://example.com/hook", CreatedAt: at(0)}
	require.NoError(t, s.CreateChannel(ctx, ch))

	next, ok, err := s.NextAlertAt(ctx)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.True(t, next.IsZero())

	newAlert := func(nextAttempt time.Duration) *core.Alert {
		return &core.Alert{CheckID: c.ID, ChannelID: ch.ID, Message: message(c, core.StatusDown), State: core.AlertPending,
			NextAttemptAt: at(nextAttempt), CreatedAt: at(nextAttempt)}
	}
	first, second, third := newAlert(0), newAlert(time.Minute), newAlert(time.Hour)
	// A channel test is about no check.
	test := &core.Alert{ChannelID: ch.ID, Message: core.AlertMessage{Name: "test", To: core.StatusDown, At: at(0), Test: true},
		State: core.AlertPending, NextAttemptAt: at(2 * time.Minute), CreatedAt: at(0)}
	for _, a := range []*core.Alert{first, second, third, test} {
		require.NoError(t, s.EnqueueAlert(ctx, a))
		assert.NotZero(t, a.ID)
	}
	assert.NotEqual(t, first.ID, second.ID)

	due, err := s.DueAlerts(ctx, at(5*time.Minute), 10)
	require.NoError(t, err)
	assert.Equal(t, []core.Alert{*first, *test}, due, "pending, due, oldest first; second waits behind first")

	due, err = s.DueAlerts(ctx, at(5*time.Minute), 1)
	require.NoError(t, err)
	assert.Equal(t, []core.Alert{*first}, due, "limit")

	next, ok, err = s.NextAlertAt(ctx)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, at(0), next)

	// Delivered and failed alerts are no longer due; a retried one is due later.
	first.State, first.Attempts, first.DeliveredAt = core.AlertDelivered, 1, at(time.Second)
	second.Attempts, second.NextAttemptAt, second.LastError = 1, at(30*time.Minute), "502 Bad Gateway"
	test.State, test.Attempts, test.LastError = core.AlertFailed, 5, "connection refused"
	for _, a := range []*core.Alert{first, second, test} {
		require.NoError(t, s.UpdateAlert(ctx, a))
	}
	due, err = s.DueAlerts(ctx, at(5*time.Minute), 10)
	require.NoError(t, err)
	assert.Empty(t, due)

	due, err = s.DueAlerts(ctx, at(2*time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, []core.Alert{*second}, due, "the retry keeps its new fields; third waits behind it")

	next, ok, err = s.NextAlertAt(ctx)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, at(30*time.Minute), next)

	second.State, second.DeliveredAt = core.AlertDelivered, at(3*time.Hour)
	require.NoError(t, s.UpdateAlert(ctx, second))
	due, err = s.DueAlerts(ctx, at(2*time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, []core.Alert{*third}, due, "its turn")
	third.State, third.DeliveredAt = core.AlertDelivered, at(3*time.Hour)
	require.NoError(t, s.UpdateAlert(ctx, third))
	_, ok, err = s.NextAlertAt(ctx)
	require.NoError(t, err)
	assert.False(t, ok, "nothing pending")

	requireCode(t, core.ENOTFOUND, s.UpdateAlert(ctx, &core.Alert{ID: third.ID + 1000, State: core.AlertDelivered}))
	requireCode(t, core.ENOTFOUND, s.EnqueueAlert(ctx, &core.Alert{CheckID: c.ID, ChannelID: id(), State: core.AlertPending}))
}

func testAlertCascade(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "cascade")
	var chs []*core.Channel
	for _, name := range []string{"doomed", "kept"} {
		ch := &core.Channel{ID: id(), OrgID: f.org.ID, Name: name, Kind: core.ChannelWebhook, Target: "https://example.com/" + name, CreatedAt: at(0)}
		require.NoError(t, s.CreateChannel(ctx, ch))
		require.NoError(t, s.EnqueueAlert(ctx, &core.Alert{CheckID: c.ID, ChannelID: ch.ID, Message: message(c, core.StatusDown),
			State: core.AlertPending, NextAttemptAt: at(0), CreatedAt: at(0)}))
		chs = append(chs, ch)
	}

	require.NoError(t, s.DeleteChannel(ctx, chs[0].ID))
	due, err := s.DueAlerts(ctx, at(time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "the channel's queued alerts go with it")
	assert.Equal(t, chs[1].ID, due[0].ChannelID)
}

func testPruneAlerts(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "pruned")
	ch := &core.Channel{ID: id(), OrgID: f.org.ID, Name: "hook", Kind: core.ChannelWebhook, Target: "https://example.com/hook", CreatedAt: at(0)}
	require.NoError(t, s.CreateChannel(ctx, ch))
	add := func(state string, created time.Duration) *core.Alert {
		a := &core.Alert{CheckID: c.ID, ChannelID: ch.ID, Message: message(c, core.StatusDown), State: state,
			NextAttemptAt: at(created), CreatedAt: at(created)}
		require.NoError(t, s.EnqueueAlert(ctx, a))
		return a
	}
	add(core.AlertDelivered, 0)
	add(core.AlertFailed, time.Minute)
	oldPending := add(core.AlertPending, 2*time.Minute)
	add(core.AlertDelivered, 2*time.Hour)

	n, err := s.PruneAlerts(ctx, at(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(2), n, "old delivered and failed alerts go")
	due, err := s.DueAlerts(ctx, at(3*time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, []core.Alert{*oldPending}, due, "a pending alert is kept however old")
	n, err = s.PruneAlerts(ctx, at(time.Hour))
	require.NoError(t, err)
	assert.Zero(t, n)
}

// testAlertLeases: a claimed alert is leased to one server until its lease
// ends; another gets it only then, and the first can then neither renew
// nor save it.
func testAlertLeases(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "leased")
	ch := &core.Channel{ID: id(), OrgID: f.org.ID, Name: "hook", Kind: core.ChannelWebhook, Target: "https://example.com/hook", CreatedAt: at(0)}
	require.NoError(t, s.CreateChannel(ctx, ch))
	first := &core.Alert{CheckID: c.ID, ChannelID: ch.ID, State: core.AlertPending, NextAttemptAt: at(0), CreatedAt: at(0)}
	second := &core.Alert{CheckID: c.ID, ChannelID: ch.ID, State: core.AlertPending, NextAttemptAt: at(0), CreatedAt: at(0)}
	require.NoError(t, s.EnqueueAlert(ctx, first))
	require.NoError(t, s.EnqueueAlert(ctx, second))

	got, err := s.ClaimAlerts(ctx, at(time.Minute), at(2*time.Minute), "server-a", 10)
	require.NoError(t, err)
	require.Len(t, got, 1, "the head of the queue only")
	assert.Equal(t, first.ID, got[0].ID)
	assert.Equal(t, "server-a", got[0].LeaseToken)
	assert.True(t, at(2*time.Minute).Equal(got[0].LeaseUntil))

	other, err := s.ClaimAlerts(ctx, at(time.Minute), at(3*time.Minute), "server-b", 10)
	require.NoError(t, err)
	assert.Empty(t, other, "leased to server-a, and the second waits behind the first")

	require.NoError(t, s.RenewAlertLease(ctx, first.ID, "server-a", at(4*time.Minute)))
	other, err = s.ClaimAlerts(ctx, at(3*time.Minute), at(5*time.Minute), "server-b", 10)
	require.NoError(t, err)
	assert.Empty(t, other, "renewed")

	other, err = s.ClaimAlerts(ctx, at(4*time.Minute), at(6*time.Minute), "server-b", 10)
	require.NoError(t, err)
	require.Len(t, other, 1, "taken over when the lease ended")
	requireCode(t, core.ECONFLICT, s.RenewAlertLease(ctx, first.ID, "server-a", at(7*time.Minute)))
	lost := got[0]
	lost.State = core.AlertDelivered
	requireCode(t, core.ECONFLICT, s.UpdateAlert(ctx, &lost))

	done := other[0]
	done.State, done.DeliveredAt = core.AlertDelivered, at(5*time.Minute)
	require.NoError(t, s.UpdateAlert(ctx, &done))
	assert.Empty(t, done.LeaseToken)
	next, err := s.ClaimAlerts(ctx, at(5*time.Minute), at(7*time.Minute), "server-a", 10)
	require.NoError(t, err)
	require.Len(t, next, 1)
	assert.Equal(t, second.ID, next[0].ID, "the next of the queue once the first is delivered")
}
