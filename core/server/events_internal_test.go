package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
	"github.com/pakyas/pakyas/core/store/sqlite"
)

// TestCheckFingerprintLateSignal: a signal delivered late, dated before
// the check's newest one, changes the check page's fingerprint, so the
// live page shows it at the next poll; on both stores.
func TestCheckFingerprintLateSignal(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(t *testing.T) core.Store{
		"sqlite": func(t *testing.T) core.Store {
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pakyas.db"))
			require.NoError(t, err)
			return st
		},
		"postgres": func(t *testing.T) core.Store {
			st, err := postgres.Open(ctx, pgtest.URL(t))
			require.NoError(t, err)
			return st
		},
	} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			defer st.Close()
			clock := &fakeClock{t: time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)}
			c := createTestCheck(t, st, clock.Now())
			s := New(st, clock, Config{Manual: true})
			s.Start()
			defer s.Stop()

			now := clock.Now()
			require.NoError(t, s.ingest.submit(ctx, c.PublicID, core.Signal{Kind: core.SignalLog, OccurredAt: now, ReceivedAt: now}))
			before, _, err := s.checkFingerprint(ctx, c.ID)
			require.NoError(t, err)
			again, _, err := s.checkFingerprint(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, before, again, "nothing changed: the same fingerprint")

			clock.add(time.Second)
			late := now.Add(-3 * time.Minute)
			require.NoError(t, s.ingest.submit(ctx, c.PublicID, core.Signal{Kind: core.SignalLog, OccurredAt: late, ReceivedAt: clock.Now()}))
			head, err := st.Timeline(ctx, c.ID, core.TimelinePage{Limit: 1})
			require.NoError(t, err)
			require.True(t, head[0].At.Equal(now), "the late signal is not the head of the timeline")
			after, _, err := s.checkFingerprint(ctx, c.ID)
			require.NoError(t, err)
			assert.NotEqual(t, before, after)
		})
	}
}

// createTestCheck creates an admin, organization and project in st, and a
// check with period 1h, grace 5m.
func createTestCheck(t *testing.T, st core.Store, now time.Time) *core.Check {
	t.Helper()
	ctx := context.Background()
	key, err := Init(ctx, st, now, Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)
	k, err := st.APIKeyByHash(ctx, HashAPIKey(key))
	require.NoError(t, err)
	orgs, err := st.OrgsForUser(ctx, k.UserID)
	require.NoError(t, err)
	projects, err := st.Projects(ctx, orgs[0].ID)
	require.NoError(t, err)
	c := &core.Check{
		ID: uuid.NewString(), PublicID: uuid.NewString(), OrgID: orgs[0].ID, ProjectID: projects[0].ID,
		Name: "c", Slug: "c", CreatedAt: now, UpdatedAt: now,
		Schedule: core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour, Grace: 5 * time.Minute},
		State:    status.NewState(now),
	}
	require.NoError(t, st.CreateCheck(ctx, c))
	return c
}
