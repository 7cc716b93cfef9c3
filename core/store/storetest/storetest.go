// Package storetest is the conformance suite of core.Store: every backend
// (core/store/sqlite, core/store/postgres) runs Run from its own tests, so
// they keep the same contract.
//
// The suite writes times at microsecond precision, the finest PostgreSQL
// keeps, in UTC, and expects them back equal, in UTC. It expects empty
// slices (Signal.Body, CheckState.OpenRuns) back as nil.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call and close it when t ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) core.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s core.Store)
	}{
		{"Users", testUsers},
		{"Orgs", testOrgs},
		{"Projects", testProjects},
		{"PingKeys", testPingKeys},
		{"APIKeys", testAPIKeys},
		{"WebTokens", testWebTokens},
		{"CheckRoundTrip", testCheckRoundTrip},
		{"CheckZeroState", testCheckZeroState},
		{"CheckNotFound", testCheckNotFound},
		{"CheckConflict", testCheckConflict},
		{"UpdateCheck", testUpdateCheck},
		{"SaveCheckState", testSaveCheckState},
		{"SaveCheckStates", testSaveCheckStates},
		{"DeleteCheck", testDeleteCheck},
		{"DueChecks", testDueChecks},
		{"CountByStatus", testCountByStatus},
		{"TimelineSignal", testTimelineSignal},
		{"TimelineOtherKinds", testTimelineOtherKinds},
		{"TimelinePaging", testTimelinePaging},
		{"TimelineKinds", testTimelineKinds},
		{"TimelineLimit", testTimelineLimit},
		{"AddTimelines", testAddTimelines},
		{"RecentSignals", testRecentSignals},
		{"PruneByAge", testPruneByAge},
		{"PruneByCount", testPruneByCount},
		{"Channels", testChannels},
		{"Alerts", testAlerts},
		{"AlertCascade", testAlertCascade},
		{"AlertLeases", testAlertLeases},
		{"PruneAlerts", testPruneAlerts},
		{"UpdateCommit", testUpdateCommit},
		{"UpdateRollback", testUpdateRollback},
		{"UpdateConcurrent", testUpdateConcurrent},
		{"ChecksByPublicID", testChecksByPublicID},
		{"ClaimDueChecks", testClaimDueChecks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

// base is the suite's reference time: UTC, microsecond precision.
var base = time.Date(2025, 3, 1, 12, 0, 0, 123_456_000, time.UTC)

// at returns base plus d.
func at(d time.Duration) time.Time { return base.Add(d) }

// id returns a new UUID.
func id() string { return uuid.NewString() }

// requireCode requires err to have the core error code want.
func requireCode(t *testing.T, want string, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, want, core.ErrorCode(err), "error: %v", err)
}

// fixture is a user, an org and a project to hang checks on.
type fixture struct {
	user    *core.User
	org     *core.Org
	project *core.Project
}

// newFixture creates a fixture in s.
func newFixture(t *testing.T, s core.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{
		user: &core.User{ID: id(), Email: "ada@example.com", Name: "Ada", CreatedAt: at(0)},
		org:  &core.Org{ID: id(), Name: "Acme", CreatedAt: at(time.Second)},
	}
	f.project = &core.Project{ID: id(), OrgID: f.org.ID, Name: "backend", CreatedAt: at(2 * time.Second)}
	require.NoError(t, s.CreateUser(ctx, f.user))
	require.NoError(t, s.CreateOrg(ctx, f.org))
	require.NoError(t, s.AddMember(ctx, f.org.ID, f.user.ID, core.RoleOwner))
	require.NoError(t, s.CreateProject(ctx, f.project))
	return f
}

// newCheck returns a check in the fixture's project with a new state, after
// applying the edits.
func (f *fixture) newCheck(slug string, edits ...func(*core.Check)) *core.Check {
	c := &core.Check{
		ID:          id(),
		PublicID:    id(),
		OrgID:       f.org.ID,
		ProjectID:   f.project.ID,
		Name:        "Check " + slug,
		Slug:        slug,
		Schedule:    core.Schedule{Kind: core.SchedulePeriod, Period: time.Hour, Grace: 5 * time.Minute},
		AlertAfter:  2,
		RemindEvery: time.Hour,
		Channels:    []string{"ch-1", "ch-2"},
		CreatedAt:   at(time.Minute),
		UpdatedAt:   at(time.Minute),
		State:       core.CheckState{Status: core.StatusNew, StatusSince: at(time.Minute), LastExitCode: -1},
	}
	for _, edit := range edits {
		edit(c)
	}
	return c
}

// check creates a check like newCheck does.
func (f *fixture) check(t *testing.T, s core.Store, slug string, edits ...func(*core.Check)) *core.Check {
	t.Helper()
	c := f.newCheck(slug, edits...)
	require.NoError(t, s.CreateCheck(context.Background(), c))
	return c
}

// addEntry adds a timeline entry of kind to checkID at t; a signal entry
// gets a success signal.
func addEntry(t *testing.T, q core.Queries, checkID string, kind core.EntryKind, when time.Time) core.TimelineEntry {
	t.Helper()
	e := core.TimelineEntry{CheckID: checkID, At: when, Kind: kind}
	switch kind {
	case core.EntrySignal:
		e.Signal = &core.Signal{CheckID: checkID, Kind: core.SignalSuccess, OccurredAt: when, ReceivedAt: when, Method: "GET"}
	case core.EntryTransition:
		e.From, e.To, e.Reason = core.StatusUp, core.StatusDown, "no signal"
	default:
		e.Reason = string(kind)
	}
	require.NoError(t, q.AddTimeline(context.Background(), &e))
	return e
}

// timelineIDs returns the IDs of checkID's whole timeline, newest first.
func timelineIDs(t *testing.T, q core.Queries, checkID string) []int64 {
	t.Helper()
	es, err := q.Timeline(context.Background(), checkID, core.TimelinePage{Limit: 1000})
	require.NoError(t, err)
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

// entryIDs returns the IDs of es.
func entryIDs(es []core.TimelineEntry) []int64 {
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

// assertSameIDs asserts that got has the IDs of want, in order.
func assertSameIDs(t *testing.T, want []core.TimelineEntry, got []core.TimelineEntry) {
	t.Helper()
	assert.Equal(t, entryIDs(want), entryIDs(got))
}
