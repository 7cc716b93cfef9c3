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

func testTimelineSignal(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "signals")
	zero, three := 0, 3

	tests := []struct {
		name string
		sig  core.Signal
	}{
		{"minimal", core.Signal{Kind: core.SignalStart, Method: "HEAD"}},
		{"exit code 0", core.Signal{Kind: core.SignalSuccess, ExitCode: &zero, Method: "GET"}},
		{"full", core.Signal{
			Kind:       core.SignalFail,
			ExitCode:   &three,
			RunID:      "5f0c6e6e-8a51-4c3e-a9a4-0d7e4c1b2a39",
			Duration:   1500 * time.Millisecond,
			Host:       "db-1.internal",
			Body:       []byte("backup failed\n"),
			Truncated:  true,
			ReceivedAt: at(2 * time.Hour),
			Method:     "POST",
			RemoteAddr: "192.0.2.7:51234",
			UserAgent:  "pakyas/1.0",
		}},
		{"binary body", core.Signal{
			Kind: core.SignalLog,
			// Job output need not be UTF-8: invalid sequences and NUL bytes
			// come back byte for byte.
			Body:   []byte{0xff, 0xfe, 0x00, 'o', 'k', 0x00, 0xc3, 0x28, 0xe2, 0x82, 0x00, 0x80},
			Method: "POST",
		}},
	}
	var added []core.TimelineEntry
	for i, tt := range tests {
		sig := tt.sig
		sig.CheckID = c.ID
		sig.OccurredAt = at(time.Duration(i) * time.Minute)
		e := core.TimelineEntry{CheckID: c.ID, At: sig.OccurredAt, Kind: core.EntrySignal, Signal: &sig}
		require.NoError(t, s.AddTimeline(ctx, &e), tt.name)
		require.NotZero(t, e.ID, tt.name)
		assert.Equal(t, e.ID, sig.ID, "%s: the signal's ID is the entry's", tt.name)
		added = append(added, e)
	}

	got, err := s.Timeline(ctx, c.ID, core.TimelinePage{})
	require.NoError(t, err)
	require.Len(t, got, len(tests))
	for i, tt := range tests {
		want, g := added[i], got[len(got)-1-i] // newest first
		t.Run(tt.name, func(t *testing.T) {
			require.NotNil(t, g.Signal)
			assert.Equal(t, want, g)
			assert.Equal(t, g.ID, g.Signal.ID)
			assert.Equal(t, g.At, g.Signal.OccurredAt)
		})
	}
	assert.Nil(t, got[len(got)-1].Signal.ExitCode, "no exit code stays nil")
	if assert.NotNil(t, got[len(got)-2].Signal.ExitCode, "exit code 0 is not nil") {
		assert.Equal(t, 0, *got[len(got)-2].Signal.ExitCode)
	}

	err = s.AddTimeline(ctx, &core.TimelineEntry{CheckID: c.ID, At: at(0), Kind: core.EntrySignal})
	requireCode(t, core.EINVALID, err)
	e := core.TimelineEntry{CheckID: id(), At: at(0), Kind: core.EntryNote, Reason: "orphan"}
	requireCode(t, core.ENOTFOUND, s.AddTimeline(ctx, &e))
}

func testTimelineOtherKinds(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "kinds")
	entries := []core.TimelineEntry{
		{CheckID: c.ID, At: at(time.Minute), Kind: core.EntryTransition, From: core.StatusUp, To: core.StatusDown, Reason: "no success signal within 1h5m"},
		{CheckID: c.ID, At: at(2 * time.Minute), Kind: core.EntryAlert, Reason: "webhook ops: 502 Bad Gateway"},
		{CheckID: c.ID, At: at(3 * time.Minute), Kind: core.EntryNote, Reason: "ran late by 5m"},
	}
	for i := range entries {
		require.NoError(t, s.AddTimeline(ctx, &entries[i]))
	}
	got, err := s.Timeline(ctx, c.ID, core.TimelinePage{})
	require.NoError(t, err)
	assert.Equal(t, []core.TimelineEntry{entries[2], entries[1], entries[0]}, got)
	for _, e := range got {
		assert.Nil(t, e.Signal, e.Kind)
	}

	got, err = s.Timeline(ctx, id(), core.TimelinePage{})
	require.NoError(t, err)
	assert.Empty(t, got, "another check's timeline")

	// The largest entry ID grows with an entry dated before the others.
	last, err := s.LastTimelineID(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, entries[2].ID, last)
	early := core.TimelineEntry{CheckID: c.ID, At: at(0), Kind: core.EntryNote, Reason: "delivered late"}
	require.NoError(t, s.AddTimeline(ctx, &early))
	last, err = s.LastTimelineID(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, early.ID, last)
	last, err = s.LastTimelineID(ctx, id())
	require.NoError(t, err)
	assert.Zero(t, last, "a check without entries")
}

func testTimelinePaging(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "paging")
	other := f.check(t, s, "other")
	// Several entries share a time: the cursor must tell them apart by ID.
	offsets := []time.Duration{0, time.Minute, time.Minute, time.Minute, 2 * time.Minute, 2 * time.Minute, 3 * time.Minute}
	var all []core.TimelineEntry
	for i, d := range offsets {
		kind := core.EntrySignal
		if i%3 == 1 {
			kind = core.EntryTransition
		}
		all = append(all, addEntry(t, s, c.ID, kind, at(d)))
		addEntry(t, s, other.ID, core.EntrySignal, at(d))
	}
	// Newest first: by time, then by ID.
	want := []core.TimelineEntry{all[6], all[5], all[4], all[3], all[2], all[1], all[0]}

	for _, size := range []int{1, 2, 3, 7, 10} {
		var got []core.TimelineEntry
		page := core.TimelinePage{Limit: size}
		for range len(all) + 1 {
			es, err := s.Timeline(ctx, c.ID, page)
			require.NoError(t, err)
			assert.LessOrEqual(t, len(es), size)
			if len(es) == 0 {
				break
			}
			got = append(got, es...)
			last := es[len(es)-1]
			page.BeforeAt, page.BeforeID = last.At, last.ID
		}
		assertSameIDs(t, want, got)
	}

	// A cursor with only a time returns what is strictly older.
	es, err := s.Timeline(ctx, c.ID, core.TimelinePage{BeforeAt: at(2 * time.Minute)})
	require.NoError(t, err)
	assertSameIDs(t, []core.TimelineEntry{all[3], all[2], all[1], all[0]}, es)
}

func testTimelineKinds(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "filter")
	sig1 := addEntry(t, s, c.ID, core.EntrySignal, at(0))
	tr := addEntry(t, s, c.ID, core.EntryTransition, at(time.Minute))
	sig2 := addEntry(t, s, c.ID, core.EntrySignal, at(2*time.Minute))
	note := addEntry(t, s, c.ID, core.EntryNote, at(3*time.Minute))
	alert := addEntry(t, s, c.ID, core.EntryAlert, at(4*time.Minute))

	tests := []struct {
		name  string
		kinds []core.EntryKind
		want  []core.TimelineEntry
	}{
		{"all", nil, []core.TimelineEntry{alert, note, sig2, tr, sig1}},
		{"signals", []core.EntryKind{core.EntrySignal}, []core.TimelineEntry{sig2, sig1}},
		{"transitions and notes", []core.EntryKind{core.EntryTransition, core.EntryNote}, []core.TimelineEntry{note, tr}},
		{"alerts", []core.EntryKind{core.EntryAlert}, []core.TimelineEntry{alert}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Timeline(ctx, c.ID, core.TimelinePage{Kinds: tt.kinds})
			require.NoError(t, err)
			assertSameIDs(t, tt.want, got)
		})
	}

	// Filter and cursor together.
	got, err := s.Timeline(ctx, c.ID, core.TimelinePage{Kinds: []core.EntryKind{core.EntrySignal}, BeforeAt: sig2.At, BeforeID: sig2.ID, Limit: 1})
	require.NoError(t, err)
	assertSameIDs(t, []core.TimelineEntry{sig1}, got)
}

func testTimelineLimit(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "many")
	const n = 1005
	require.NoError(t, s.Update(ctx, func(q core.Queries) error {
		for i := range n {
			addEntry(t, q, c.ID, core.EntrySignal, at(time.Duration(i)*time.Second))
		}
		return nil
	}))
	tests := []struct {
		limit, want int
	}{
		{0, 50}, {-1, 50}, {1, 1}, {200, 200}, {1000, 1000}, {5000, 1000},
	}
	for _, tt := range tests {
		got, err := s.Timeline(ctx, c.ID, core.TimelinePage{Limit: tt.limit})
		require.NoError(t, err)
		assert.Len(t, got, tt.want, "limit %d", tt.limit)
	}
}

func testPruneByAge(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a := f.check(t, s, "a")
	b := f.check(t, s, "b")
	var aEntries []core.TimelineEntry
	for i := range 5 {
		aEntries = append(aEntries, addEntry(t, s, a.ID, core.EntrySignal, at(time.Duration(i)*time.Hour)))
		addEntry(t, s, b.ID, core.EntrySignal, at(time.Duration(i)*time.Hour))
	}
	oldTransition := addEntry(t, s, a.ID, core.EntryTransition, at(-time.Hour))
	oldNote := addEntry(t, s, a.ID, core.EntryNote, at(-time.Hour))

	n, err := s.PruneTimeline(ctx, at(2*time.Hour), 0)
	require.NoError(t, err)
	assert.Equal(t, int64(4), n, "signals at 0h and 1h of both checks")
	assertSameIDs(t, []core.TimelineEntry{aEntries[4], aEntries[3], aEntries[2], oldNote, oldTransition},
		mustTimeline(t, s, a.ID))
	assert.Len(t, timelineIDs(t, s, b.ID), 3)

	n, err = s.PruneTimeline(ctx, at(2*time.Hour), 0)
	require.NoError(t, err)
	assert.Equal(t, int64(0), n, "pruning again deletes nothing")

	n, err = s.PruneTimeline(ctx, time.Time{}, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(0), n, "no limit at all")
}

func testPruneByCount(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a := f.check(t, s, "a")
	b := f.check(t, s, "b")
	var aSignals []core.TimelineEntry
	for i := range 5 {
		// Two signals per minute: ties on At are broken by ID.
		aSignals = append(aSignals, addEntry(t, s, a.ID, core.EntrySignal, at(time.Duration(i/2)*time.Minute)))
	}
	tr := addEntry(t, s, a.ID, core.EntryTransition, at(-time.Hour))
	bSignal := addEntry(t, s, b.ID, core.EntrySignal, at(0))

	n, err := s.PruneTimeline(ctx, time.Time{}, 2)
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
	assertSameIDs(t, []core.TimelineEntry{aSignals[4], aSignals[3], tr}, mustTimeline(t, s, a.ID))
	assertSameIDs(t, []core.TimelineEntry{bSignal}, mustTimeline(t, s, b.ID))

	// By age and by count together.
	for i := range 3 {
		addEntry(t, s, b.ID, core.EntrySignal, at(time.Duration(i+1)*time.Hour))
	}
	n, err = s.PruneTimeline(ctx, at(90*time.Minute), 2)
	require.NoError(t, err)
	// a: both kept signals are older than 90m; b: the 0h and 1h signals
	// are older, and of the two left none is beyond the newest 2.
	assert.Equal(t, int64(4), n)
	assertSameIDs(t, []core.TimelineEntry{tr}, mustTimeline(t, s, a.ID))
	assert.Len(t, timelineIDs(t, s, b.ID), 2)
}

// mustTimeline returns checkID's whole timeline, newest first.
func mustTimeline(t *testing.T, q core.Queries, checkID string) []core.TimelineEntry {
	t.Helper()
	es, err := q.Timeline(context.Background(), checkID, core.TimelinePage{Limit: 1000})
	require.NoError(t, err)
	return es
}

// testRecentSignals: the newest signals of some kinds of every check of a
// project, each check's together and newest first, nothing of another
// project.
func testRecentSignals(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a, b := f.check(t, s, "a"), f.check(t, s, "b")
	otherProject := &core.Project{ID: id(), OrgID: f.org.ID, Name: "other", CreatedAt: at(0)}
	require.NoError(t, s.CreateProject(ctx, otherProject))
	elsewhere := f.newCheck("elsewhere")
	elsewhere.ProjectID = otherProject.ID
	require.NoError(t, s.CreateCheck(ctx, elsewhere))
	add := func(c *core.Check, d time.Duration, kind core.SignalKind, exit int) {
		sig := &core.Signal{Kind: kind, OccurredAt: at(d), ReceivedAt: at(d), Duration: d, ExitCode: &exit, Body: []byte("out")}
		require.NoError(t, s.AddTimeline(ctx, &core.TimelineEntry{CheckID: c.ID, At: at(d), Kind: core.EntrySignal, Signal: sig}))
	}
	for i := range 5 {
		add(a, time.Duration(i)*time.Minute, core.SignalSuccess, 0)
		add(a, time.Duration(i)*time.Minute+time.Second, core.SignalLog, 0)
	}
	add(b, time.Minute, core.SignalFail, 3)
	add(elsewhere, time.Minute, core.SignalFail, 1)

	got, err := s.RecentSignals(ctx, f.project.ID, []core.SignalKind{core.SignalSuccess, core.SignalFail}, 3)
	require.NoError(t, err)
	var byCheck = map[string][]core.Signal{}
	var order []string
	for _, sig := range got {
		if len(byCheck[sig.CheckID]) == 0 {
			order = append(order, sig.CheckID)
		}
		byCheck[sig.CheckID] = append(byCheck[sig.CheckID], sig)
	}
	assert.Len(t, order, 2, "each check's signals together, none of another project")
	require.Len(t, byCheck[a.ID], 3, "at most perCheck")
	assert.True(t, at(4*time.Minute).Equal(byCheck[a.ID][0].OccurredAt), "newest first")
	assert.True(t, at(2*time.Minute).Equal(byCheck[a.ID][2].OccurredAt))
	for _, sig := range byCheck[a.ID] {
		assert.Equal(t, core.SignalSuccess, sig.Kind, "only the kinds asked for")
		assert.Nil(t, sig.Body)
	}
	require.Len(t, byCheck[b.ID], 1)
	assert.Equal(t, 3, *byCheck[b.ID][0].ExitCode)
	assert.Equal(t, time.Minute, byCheck[b.ID][0].Duration)
}

// testAddTimelines: a batch of entries (the bulk statements of several
// sizes) is stored in order, each with its own ascending ID, the signal's
// ID the entry's; an entry of a missing check is ENOTFOUND.
func testAddTimelines(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	a, b := f.check(t, s, "a"), f.check(t, s, "b")
	var entries []*core.TimelineEntry
	for i := range 70 { // 64 + 4 + 1 + 1
		c := a
		if i%3 == 0 {
			c = b
		}
		e := &core.TimelineEntry{CheckID: c.ID, At: at(time.Duration(i) * time.Second)}
		if i%2 == 0 {
			e.Kind = core.EntrySignal
			e.Signal = &core.Signal{Kind: core.SignalSuccess, Host: fmt.Sprintf("h%d", i), Method: "POST", Body: []byte{byte(i), 0xff}}
		} else {
			e.Kind, e.Reason = core.EntryNote, fmt.Sprintf("note %d", i)
		}
		entries = append(entries, e)
	}
	require.NoError(t, s.Update(ctx, func(q core.Queries) error { return q.AddTimelines(ctx, entries) }))
	for i, e := range entries {
		if i > 0 {
			assert.Greater(t, e.ID, entries[i-1].ID, "IDs ascend in the order of the batch")
		}
		if e.Signal != nil {
			assert.Equal(t, e.ID, e.Signal.ID)
		}
	}
	for _, c := range []*core.Check{a, b} {
		got, err := s.Timeline(ctx, c.ID, core.TimelinePage{Limit: 100})
		require.NoError(t, err)
		var want []*core.TimelineEntry
		for _, e := range entries {
			if e.CheckID == c.ID {
				want = append(want, e)
			}
		}
		require.Len(t, got, len(want))
		for i, g := range got { // newest first
			w := want[len(want)-1-i]
			assert.Equal(t, w.ID, g.ID)
			assert.Equal(t, w.Reason, g.Reason)
			if w.Signal != nil {
				require.NotNil(t, g.Signal)
				assert.Equal(t, w.Signal.Host, g.Signal.Host, "entry %d has its own columns", w.ID)
				assert.Equal(t, w.Signal.Body, g.Signal.Body)
			}
		}
	}
	err := s.Update(ctx, func(q core.Queries) error {
		return q.AddTimelines(ctx, []*core.TimelineEntry{
			{CheckID: a.ID, At: at(time.Hour), Kind: core.EntryNote, Reason: "kept?"},
			{CheckID: id(), At: at(time.Hour), Kind: core.EntryNote, Reason: "orphan"},
		})
	})
	requireCode(t, core.ENOTFOUND, err)
	got, err := s.Timeline(ctx, a.ID, core.TimelinePage{Limit: 1})
	require.NoError(t, err)
	assert.NotEqual(t, "kept?", got[0].Reason, "rolled back")
}
