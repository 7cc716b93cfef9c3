package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

func testUpdateCommit(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "ingest")
	u := &core.User{ID: id(), Email: "bob@example.com", Name: "Bob", CreatedAt: at(0)}

	// The ingest path: look the check up, record the signal, save the state.
	err := s.Update(ctx, func(q core.Queries) error {
		if err := q.CreateUser(ctx, u); err != nil {
			return err
		}
		got, err := q.User(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("a transaction reads its own writes: %w", err)
		}
		assert.Equal(t, u, got)
		for i := range 3 {
			chk, err := q.CheckByPublicID(ctx, c.PublicID)
			if err != nil {
				return err
			}
			when := at(time.Duration(i) * time.Minute)
			e := &core.TimelineEntry{CheckID: chk.ID, At: when, Kind: core.EntrySignal,
				Signal: &core.Signal{CheckID: chk.ID, Kind: core.SignalSuccess, OccurredAt: when, ReceivedAt: when, Method: "GET"}}
			if err := q.AddTimeline(ctx, e); err != nil {
				return err
			}
			chk.State.Status, chk.State.LastSignalAt = core.StatusUp, when
			if err := q.SaveCheckState(ctx, chk.ID, chk.State); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)

	_, err = s.User(ctx, u.ID)
	require.NoError(t, err)
	got, err := s.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, core.StatusUp, got.State.Status)
	assert.Equal(t, at(2*time.Minute), got.State.LastSignalAt)
	assert.Len(t, timelineIDs(t, s, c.ID), 3)
}

func testUpdateRollback(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "rollback")
	boom := errors.New("boom")

	tests := []struct {
		name string
		last func(q core.Queries) error // after the writes; its error aborts
		want func(t *testing.T, err error)
	}{
		{"fn error", func(core.Queries) error { return boom }, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, boom, "Update returns fn's error")
		}},
		{"store error", func(q core.Queries) error {
			return q.CreateCheck(ctx, f.newCheck("rollback")) // slug taken
		}, func(t *testing.T, err error) {
			requireCode(t, core.ECONFLICT, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &core.User{ID: id(), Email: "eve@example.com", CreatedAt: at(0)}
			err := s.Update(ctx, func(q core.Queries) error {
				if err := q.CreateUser(ctx, u); err != nil {
					return err
				}
				if err := q.SaveCheckState(ctx, c.ID, fullState()); err != nil {
					return err
				}
				addEntry(t, q, c.ID, core.EntryNote, at(0))
				return tt.last(q)
			})
			tt.want(t, err)

			_, err = s.User(ctx, u.ID)
			requireCode(t, core.ENOTFOUND, err)
			got, err := s.Check(ctx, c.ID)
			require.NoError(t, err)
			assert.Equal(t, c, got, "the state is unchanged")
			assert.Empty(t, timelineIDs(t, s, c.ID))
		})
	}

	// The store works after a rollback.
	require.NoError(t, s.Update(ctx, func(q core.Queries) error {
		return q.SaveCheckState(ctx, c.ID, fullState())
	}))
}

func testUpdateConcurrent(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	c := f.check(t, s, "concurrent")
	const writers, updates = 8, 10

	var wg sync.WaitGroup
	errs := make(chan error, writers*updates*2)
	for w := range writers {
		wg.Go(func() {
			for i := range updates {
				errs <- s.Update(ctx, func(q core.Queries) error {
					chk, err := q.Check(ctx, c.ID)
					if err != nil {
						return err
					}
					e := &core.TimelineEntry{CheckID: c.ID, At: at(time.Duration(w*updates+i) * time.Second), Kind: core.EntryNote}
					if err := q.AddTimeline(ctx, e); err != nil {
						return err
					}
					chk.State.LastExitCode++ // a lost update would show in the count
					return q.SaveCheckState(ctx, c.ID, chk.State)
				})
				// Readers run beside the writers.
				_, err := s.Timeline(ctx, c.ID, core.TimelinePage{Limit: 5})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	got, err := s.Check(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, -1+writers*updates, got.State.LastExitCode, "every update saw the previous one")
	assert.Len(t, timelineIDs(t, s, c.ID), writers*updates)
}

// testChecksByPublicID: the checks of a list of public IDs, by ID, the
// unknown ones left out; writers that lock several checks through it, in
// whatever order their signals came, never deadlock nor lose an update.
func testChecksByPublicID(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	var cs []*core.Check
	for i := range 4 {
		cs = append(cs, f.check(t, s, fmt.Sprint("many-", i)))
	}
	got, err := s.ChecksByPublicID(ctx, []string{cs[2].PublicID, "nope", cs[0].PublicID, cs[3].PublicID})
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i := 1; i < len(got); i++ {
		assert.Less(t, got[i-1].ID, got[i].ID, "ordered by ID")
	}
	none, err := s.ChecksByPublicID(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, none)

	const writers, updates = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*updates)
	for w := range writers {
		wg.Go(func() {
			for i := range updates {
				ids := []string{cs[0].PublicID, cs[1].PublicID, cs[2].PublicID, cs[3].PublicID}
				if (w+i)%2 == 1 {
					slices.Reverse(ids) // signals in another order
				}
				errs <- s.Update(ctx, func(q core.Queries) error {
					locked, err := q.ChecksByPublicID(ctx, ids)
					if err != nil {
						return err
					}
					for _, c := range locked {
						c.State.LastExitCode++
						if err := q.SaveCheckState(ctx, c.ID, c.State); err != nil {
							return err
						}
					}
					return nil
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, c := range cs {
		got, err := s.Check(ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, c.State.LastExitCode+writers*updates, got.State.LastExitCode, "no update lost")
	}
}

// testClaimDueChecks: writers claiming due checks at once, each judging
// what it claimed (moving the deadline) in its transaction, judge every
// check exactly once between them.
func testClaimDueChecks(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	const checks, writers = 40, 4
	for i := range checks {
		f.check(t, s, fmt.Sprint("due-", i), func(c *core.Check) { c.State.NextEvalAt = at(-time.Minute) })
	}
	var (
		mu      sync.Mutex
		judged  = map[string]int{}
		wg      sync.WaitGroup
		errs    = make(chan error, writers*checks)
		started = make(chan struct{})
	)
	for range writers {
		wg.Go(func() {
			<-started
			for {
				var n int
				err := s.Update(ctx, func(q core.Queries) error {
					due, err := q.DueChecks(ctx, at(0), 5)
					if err != nil {
						return err
					}
					n = len(due)
					for _, c := range due {
						c.State.NextEvalAt = time.Time{}
						if err := q.SaveCheckState(ctx, c.ID, c.State); err != nil {
							return err
						}
					}
					mu.Lock()
					for _, c := range due {
						judged[c.ID]++
					}
					mu.Unlock()
					return nil
				})
				errs <- err
				if err != nil || n == 0 {
					return
				}
			}
		})
	}
	close(started)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Len(t, judged, checks)
	for id, n := range judged {
		assert.Equal(t, 1, n, "check %s judged %d times", id, n)
	}
}
