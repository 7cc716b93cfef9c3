package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// fullState returns a state with every field set and distinct.
func fullState() core.CheckState {
	return core.CheckState{
		Status:      core.StatusFailed,
		StatusSince: at(10 * time.Minute),
		OpenRuns: []core.Run{
			{StartedAt: at(11 * time.Minute)},
			{ID: "0b7f1a1e-5c1d-4b4e-9d3f-2c8a7e6f5d4c", StartedAt: at(12 * time.Minute)},
			{ID: "late", StartedAt: at(12 * time.Minute), ArrivedAt: at(40 * time.Minute)}, // a replayed start
		},
		LastRunAt:      at(13 * time.Minute),
		LastSignalAt:   at(14 * time.Minute),
		LastSuccessAt:  at(15 * time.Minute),
		LastFailureAt:  at(16 * time.Minute),
		LastStartAt:    at(17 * time.Minute),
		LastExitCode:   2,
		ResumedAt:      at(18 * time.Minute),
		NextEvalAt:     at(19 * time.Minute),
		HeldFrom:       core.StatusUp,
		HeldUntil:      at(20 * time.Minute),
		FailStreak:     2,
		FailHeld:       core.StatusLate,
		PausedUntil:    at(21 * time.Minute),
		NextReminderAt: at(22 * time.Minute),
		DepHeld:        core.StatusFailed,
		Told:           core.StatusOverrunning,
	}
}

func testCheckRoundTrip(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	tests := []struct {
		name string
		edit func(*core.Check)
	}{
		{"period", func(c *core.Check) {
			c.MaxRuntime = 90 * time.Second
			c.UpdatedAt = at(2 * time.Minute)
			c.State = fullState()
		}},
		{"cron", func(c *core.Check) {
			c.Schedule = core.Schedule{Kind: core.ScheduleCron, Cron: "*/5 * * * *", TZ: "Europe/Paris", Grace: time.Minute}
			c.State = fullState()
			c.State.Status = core.StatusUp
			c.State.LastExitCode = 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.check(t, s, tt.name, tt.edit)
			for name, get := range map[string]func() (*core.Check, error){
				"Check":           func() (*core.Check, error) { return s.Check(ctx, c.ID) },
				"CheckByPublicID": func() (*core.Check, error) { return s.CheckByPublicID(ctx, c.PublicID) },
				"CheckBySlug":     func() (*core.Check, error) { return s.CheckBySlug(ctx, c.ProjectID, c.Slug) },
			} {
				got, err := get()
				require.NoError(t, err, name)
				assert.Equal(t, c, got, name)
			}
		})
	}

	cs, err := s.Checks(ctx, f.project.ID)
	require.NoError(t, err)
	require.Len(t, cs, 2)
	assert.Equal(t, []string{"cron", "period"}, []string{cs[0].Slug, cs[1].Slug}, "by slug")
	assert.Equal(t, f.org.ID, cs[0].OrgID)

	cs, err = s.Checks(ctx, id())
	require.NoError(t, err)
	assert.Empty(t, cs)
}

func testCheckZeroState(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "zero", func(c *core.Check) { c.State = core.CheckState{Status: core.StatusNew, LastExitCode: -1} })

	got, err := s.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	st := got.State
	for name, v := range map[string]time.Time{
		"StatusSince": st.StatusSince, "LastRunAt": st.LastRunAt, "LastSignalAt": st.LastSignalAt,
		"LastSuccessAt": st.LastSuccessAt, "LastFailureAt": st.LastFailureAt, "LastStartAt": st.LastStartAt,
		"ResumedAt": st.ResumedAt, "NextEvalAt": st.NextEvalAt,
	} {
		assert.True(t, v.IsZero(), name)
	}
	assert.Nil(t, st.OpenRuns)
	assert.False(t, st.Running())
}

func testCheckNotFound(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	f.check(t, s, "exists")
	lookups := map[string]func() error{
		"Check":           func() error { _, err := s.Check(ctx, id()); return err },
		"CheckByPublicID": func() error { _, err := s.CheckByPublicID(ctx, id()); return err },
		"CheckBySlug":     func() error { _, err := s.CheckBySlug(ctx, f.project.ID, "missing"); return err },
		"CheckBySlugOtherProject": func() error {
			_, err := s.CheckBySlug(ctx, id(), "exists")
			return err
		},
		"UpdateCheck":    func() error { return s.UpdateCheck(ctx, f.newCheck("missing")) },
		"SaveCheckState": func() error { return s.SaveCheckState(ctx, id(), fullState()) },
		"DeleteCheck":    func() error { return s.DeleteCheck(ctx, id()) },
		"CreateCheckInMissingProject": func() error {
			return s.CreateCheck(ctx, f.newCheck("orphan", func(c *core.Check) { c.ProjectID = id() }))
		},
	}
	for name, fn := range lookups {
		t.Run(name, func(t *testing.T) {
			requireCode(t, core.ENOTFOUND, fn())
		})
	}
}

func testCheckConflict(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	first := f.check(t, s, "nightly")
	other := &core.Project{ID: id(), OrgID: f.org.ID, Name: "other", CreatedAt: at(0)}
	require.NoError(t, s.CreateProject(ctx, other))

	// The same slug in another project is fine.
	f.check(t, s, "nightly", func(c *core.Check) { c.ProjectID = other.ID })

	tests := []struct {
		name string
		edit func(*core.Check)
	}{
		{"slug", func(c *core.Check) {}},
		{"public id", func(c *core.Check) { c.Slug = "other"; c.PublicID = first.PublicID }},
		{"id", func(c *core.Check) { c.Slug = "other"; c.ID = first.ID }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CreateCheck(ctx, f.newCheck("nightly", tt.edit))
			requireCode(t, core.ECONFLICT, err)
		})
	}
	err := s.CreateCheck(ctx, f.newCheck("nightly"))
	assert.Contains(t, core.ErrorMessage(err), "nightly", "the message names the slug")

	// Renaming a check to a slug taken in its project.
	second := f.check(t, s, "weekly")
	second.Slug = "nightly"
	requireCode(t, core.ECONFLICT, s.UpdateCheck(ctx, second))
	got, err := s.Check(ctx, second.ID)
	require.NoError(t, err)
	assert.Equal(t, "weekly", got.Slug, "a failed update changes nothing")
}

func testUpdateCheck(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "backup")

	c.Name = "Nightly backup"
	c.Slug = "nightly-backup"
	c.Schedule = core.Schedule{Kind: core.ScheduleCron, Cron: "0 3 * * *", TZ: "America/New_York", Grace: 10 * time.Minute}
	c.MaxRuntime = time.Hour
	c.UpdatedAt = at(time.Hour)
	c.State = fullState()
	require.NoError(t, s.UpdateCheck(ctx, c))

	got, err := s.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got)

	_, err = s.CheckBySlug(ctx, f.project.ID, "backup")
	requireCode(t, core.ENOTFOUND, err)
}

func testSaveCheckState(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "state")
	other := f.check(t, s, "untouched")

	tests := []struct {
		name  string
		state core.CheckState
	}{
		{"full", fullState()},
		{"one open run", core.CheckState{Status: core.StatusUp, OpenRuns: []core.Run{{ID: "r1", StartedAt: at(time.Hour)}}, LastExitCode: 0}},
		{"empty", core.CheckState{Status: core.StatusNew, LastExitCode: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, s.SaveCheckState(ctx, c.ID, tt.state))
			got, err := s.Check(ctx, c.ID)
			require.NoError(t, err)
			want := *c
			want.State = tt.state
			assert.Equal(t, &want, got, "only the state changes")
		})
	}

	got, err := s.Check(ctx, other.ID)
	require.NoError(t, err)
	assert.Equal(t, other, got)
}

func testDeleteCheck(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "doomed")
	kept := f.check(t, s, "kept")
	ch := &core.Channel{ID: id(), OrgID: f.org.ID, Name: "ops", Kind: core.ChannelWebhook, Target: "https://example.com/hook", CreatedAt: at(0)}
	require.NoError(t, s.CreateChannel(ctx, ch))
	for _, checkID := range []string{c.ID, kept.ID} {
		addEntry(t, s, checkID, core.EntrySignal, at(time.Hour))
		addEntry(t, s, checkID, core.EntryTransition, at(time.Hour))
		a := &core.Alert{CheckID: checkID, ChannelID: ch.ID, State: core.AlertPending, NextAttemptAt: at(0), CreatedAt: at(0)}
		require.NoError(t, s.EnqueueAlert(ctx, a))
	}

	require.NoError(t, s.DeleteCheck(ctx, c.ID))

	_, err := s.Check(ctx, c.ID)
	requireCode(t, core.ENOTFOUND, err)
	assert.Empty(t, timelineIDs(t, s, c.ID), "the timeline goes with the check")
	assert.Len(t, timelineIDs(t, s, kept.ID), 2)
	due, err := s.DueAlerts(ctx, at(time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "the check's queued alerts go with it")
	assert.Equal(t, kept.ID, due[0].CheckID)

	requireCode(t, core.ENOTFOUND, s.DeleteCheck(ctx, c.ID))
}

func testDueChecks(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	next, ok, err := s.NextEvalAt(ctx)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.True(t, next.IsZero())

	withNext := func(d time.Duration) func(*core.Check) {
		return func(c *core.Check) { c.State.NextEvalAt = at(d) }
	}
	f.check(t, s, "none") // no NextEvalAt: never due
	later := f.check(t, s, "later", withNext(time.Hour))
	now := f.check(t, s, "now", withNext(0))
	early := f.check(t, s, "early", withNext(-time.Hour))
	earlier := f.check(t, s, "earlier", withNext(-2*time.Hour))

	tests := []struct {
		name  string
		t     time.Time
		limit int
		want  []*core.Check
	}{
		{"due not after t, earliest first", at(0), 10, []*core.Check{earlier, early, now}},
		{"limit", at(0), 2, []*core.Check{earlier, early}},
		{"all", at(2 * time.Hour), 10, []*core.Check{earlier, early, now, later}},
		{"none due", at(-3 * time.Hour), 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.DueChecks(ctx, tt.t, tt.limit)
			require.NoError(t, err)
			var ids, want []string
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			for _, c := range tt.want {
				want = append(want, c.ID)
			}
			assert.Equal(t, want, ids)
		})
	}

	got, err := s.DueChecks(ctx, at(0), 1)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, earlier, &got[0], "due checks come back whole")

	next, ok, err = s.NextEvalAt(ctx)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, at(-2*time.Hour), next)

	// Clearing NextEvalAt takes a check out.
	earlier.State.NextEvalAt = time.Time{}
	require.NoError(t, s.SaveCheckState(ctx, earlier.ID, earlier.State))
	next, ok, err = s.NextEvalAt(ctx)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, at(-time.Hour), next)
}

func testCountByStatus(t *testing.T, s core.Store) {
	ctx := context.Background()
	counts, err := s.CountByStatus(ctx)
	require.NoError(t, err)
	assert.Empty(t, counts)

	f := newFixture(t, s)
	for i, st := range []core.Status{core.StatusUp, core.StatusUp, core.StatusDown, core.StatusNew, core.StatusUp, core.StatusPaused} {
		f.check(t, s, string(rune('a'+i)), func(c *core.Check) { c.State.Status = st })
	}
	counts, err = s.CountByStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[core.Status]int{core.StatusUp: 3, core.StatusDown: 1, core.StatusNew: 1, core.StatusPaused: 1}, counts)
}

// testSaveCheckStates: many states saved at once (the bulk statements of
// several sizes) each land on their own check; a missing check is
// ENOTFOUND and the transaction is rolled back.
func testSaveCheckStates(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	var checks []*core.Check
	var states []core.CheckStateOf
	for i := range 87 { // 64 + 16 + 4 + 1 + 1 + 1
		c := f.check(t, s, fmt.Sprintf("bulk-%d", i))
		checks = append(checks, c)
		st := fullState()
		st.LastExitCode = i
		st.NextEvalAt = at(time.Duration(i) * time.Minute)
		st.OpenRuns = []core.Run{{ID: fmt.Sprintf("r%d", i), StartedAt: at(time.Duration(i) * time.Second)}}
		states = append(states, core.CheckStateOf{CheckID: c.ID, State: st})
	}
	other := f.check(t, s, "untouched")
	require.NoError(t, s.SaveCheckStates(ctx, states))
	for i, c := range checks {
		got, err := s.Check(ctx, c.ID)
		require.NoError(t, err)
		want := *c
		want.State = states[i].State
		assert.Equal(t, &want, got, "check %d: only the state changes, to its own", i)
	}
	got, err := s.Check(ctx, other.ID)
	require.NoError(t, err)
	assert.Equal(t, other, got)

	changed := states[0]
	changed.State.LastExitCode = 99
	err = s.Update(ctx, func(q core.Queries) error {
		return q.SaveCheckStates(ctx, []core.CheckStateOf{changed, {CheckID: id(), State: fullState()}, states[1], states[2], states[3]})
	})
	requireCode(t, core.ENOTFOUND, err)
	got, err = s.Check(ctx, checks[0].ID)
	require.NoError(t, err)
	assert.Equal(t, states[0].State, got.State, "rolled back")
}
