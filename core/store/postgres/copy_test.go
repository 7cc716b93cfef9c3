package postgres

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/sqlite"
)

// TestCopyFrom: everything a SQLite server holds is in PostgreSQL after
// the copy, the same, and new rows get new IDs; a second copy is refused.
func TestCopyFrom(t *testing.T) {
	ctx := context.Background()
	src, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pakyas.db"))
	require.NoError(t, err)
	defer src.Close()
	t0 := time.Date(2025, 1, 6, 10, 0, 0, 123, time.UTC)
	require.NoError(t, src.CreateUser(ctx, &core.User{ID: "u", Email: "a@example.com", Name: "A", CreatedAt: t0}))
	require.NoError(t, src.CreateOrg(ctx, &core.Org{ID: "o", Name: "O", CreatedAt: t0}))
	require.NoError(t, src.AddMember(ctx, "o", "u", "owner"))
	require.NoError(t, src.CreateProject(ctx, &core.Project{ID: "p", OrgID: "o", Name: "P", CreatedAt: t0}))
	require.NoError(t, src.SetPingKey(ctx, "p", "pingkey"))
	require.NoError(t, src.CreateAPIKey(ctx, &core.APIKey{ID: "k", UserID: "u", Name: "k", Hash: "h", Hint: "pk_…x", CreatedAt: t0}))
	c := &core.Check{ID: "c", PublicID: "pub", OrgID: "o", ProjectID: "p", Name: "c", Slug: "c", CreatedAt: t0, UpdatedAt: t0,
		Schedule: core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour, Grace: time.Minute},
		State:    core.CheckState{Status: core.StatusUp, StatusSince: t0, LastSuccessAt: t0, NextEvalAt: t0.Add(time.Hour)}}
	require.NoError(t, src.CreateCheck(ctx, c))
	exit := 3
	sig := &core.Signal{Kind: core.SignalFail, ExitCode: &exit, Body: []byte{0xff, 'o', 'k'}, Truncated: true, OccurredAt: t0, ReceivedAt: t0}
	require.NoError(t, src.AddTimeline(ctx, &core.TimelineEntry{CheckID: "c", At: t0, Kind: core.EntrySignal, Signal: sig}))
	require.NoError(t, src.AddTimeline(ctx, &core.TimelineEntry{CheckID: "c", At: t0, Kind: core.EntryTransition, From: core.StatusUp, To: core.StatusFailed, Reason: "r"}))
	require.NoError(t, src.CreateChannel(ctx, &core.Channel{ID: "ch", OrgID: "o", Name: "hook", Kind: core.ChannelWebhook, Target: "https://example.com", Secret: "whsec_x", CreatedAt: t0}))
	require.NoError(t, src.EnqueueAlert(ctx, &core.Alert{CheckID: "c", ChannelID: "ch", State: core.AlertPending, NextAttemptAt: t0, CreatedAt: t0,
		Message: core.AlertMessage{CheckID: "c", From: core.StatusUp, To: core.StatusFailed, At: t0}}))

	dst := open(t)
	_, read := src.DB()
	counts, err := dst.CopyFrom(ctx, read)
	require.NoError(t, err)
	require.Len(t, counts, len(Tables))
	for _, n := range counts {
		assert.Equal(t, n.Source, n.Copied, n.Table)
	}

	for name, get := range map[string]func(core.Store) (any, error){
		"check":    func(s core.Store) (any, error) { return s.Check(ctx, "c") },
		"key":      func(s core.Store) (any, error) { return s.APIKeyByHash(ctx, "h") },
		"project":  func(s core.Store) (any, error) { return s.ProjectByPingKey(ctx, "pingkey") },
		"orgs":     func(s core.Store) (any, error) { return s.OrgsForUser(ctx, "u") },
		"channel":  func(s core.Store) (any, error) { return s.Channel(ctx, "ch") },
		"timeline": func(s core.Store) (any, error) { return s.Timeline(ctx, "c", core.TimelinePage{}) },
		"alerts":   func(s core.Store) (any, error) { return s.DueAlerts(ctx, t0, 10) },
	} {
		want, err := get(src)
		require.NoError(t, err, name)
		got, err := get(dst)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
	e := &core.TimelineEntry{CheckID: "c", At: t0, Kind: core.EntryNote, Reason: "after"}
	require.NoError(t, dst.AddTimeline(ctx, e))
	assert.Equal(t, int64(3), e.ID, "new rows after the copied IDs")

	_, err = dst.CopyFrom(ctx, read)
	assert.ErrorContains(t, err, "empty database")
}

// TestCopyCleansText: text SQLite kept but PostgreSQL's TEXT refuses
// (invalid UTF-8, NUL), stored by servers before pings were cleaned, is
// copied cleaned (an invalid byte as U+FFFD, NUL dropped) instead of
// failing the whole copy; the rest of each row is copied as it is.
func TestCopyCleansText(t *testing.T) {
	ctx := context.Background()
	src, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pakyas.db"))
	require.NoError(t, err)
	defer src.Close()
	t0 := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	require.NoError(t, src.CreateUser(ctx, &core.User{ID: "u", Email: "a@example.com", CreatedAt: t0}))
	require.NoError(t, src.CreateOrg(ctx, &core.Org{ID: "o", Name: "O", CreatedAt: t0}))
	require.NoError(t, src.CreateProject(ctx, &core.Project{ID: "p", OrgID: "o", Name: "P", CreatedAt: t0}))
	require.NoError(t, src.CreateAPIKey(ctx, &core.APIKey{ID: "k", UserID: "u", Name: "a\x00b", Hash: "h", Hint: "pk_…x", CreatedAt: t0}))
	c := &core.Check{ID: "c", PublicID: "pub", OrgID: "o", ProjectID: "p", Name: "c", Slug: "c", CreatedAt: t0, UpdatedAt: t0,
		Schedule: core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour, Grace: time.Minute},
		State:    core.CheckState{Status: core.StatusNew, StatusSince: t0}}
	require.NoError(t, src.CreateCheck(ctx, c))
	body := []byte{0xff, 0, 'o', 'k'} // BYTEA: kept byte for byte
	sig := &core.Signal{Kind: core.SignalLog, OccurredAt: t0, ReceivedAt: t0, Body: body,
		UserAgent: "curl\xff", Host: "ab\x00c", RemoteAddr: "10.0.0.1\xc3"}
	require.NoError(t, src.AddTimeline(ctx, &core.TimelineEntry{CheckID: "c", At: t0, Kind: core.EntrySignal, Signal: sig}))

	dst := open(t)
	_, read := src.DB()
	_, err = dst.CopyFrom(ctx, read)
	require.NoError(t, err)

	k, err := dst.APIKeyByHash(ctx, "h")
	require.NoError(t, err)
	assert.Equal(t, "ab", k.Name)
	tl, err := dst.Timeline(ctx, "c", core.TimelinePage{})
	require.NoError(t, err)
	require.Len(t, tl, 1)
	got := tl[0].Signal
	assert.Equal(t, "curl\uFFFD", got.UserAgent)
	assert.Equal(t, "abc", got.Host)
	assert.Equal(t, "10.0.0.1\uFFFD", got.RemoteAddr)
	assert.Equal(t, body, got.Body)
}
