package server

import (
	"context"
	"errors"
	"log"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/internal/testutil/syncbuf"
)

// TestEvalLoopEvaluatesOnlyWhenDue: every stored signal wakes the
// evaluation loop (it may have brought a deadline forward), but the loop
// evaluates, a write transaction that ingest would wait for, only once a
// deadline has passed.
func TestEvalLoopEvaluatesOnlyWhenDue(t *testing.T) {
	s, clock, c := newTestCheck(t)
	counting := &countingStore{Store: s.store}
	s = New(counting, clock, Config{})
	s.Start()
	t.Cleanup(s.Stop)
	ctx := context.Background()
	require.Eventually(t, func() bool { return counting.evaluations.Load() == 1 }, 5*time.Second, time.Millisecond,
		"the loop evaluates once when it starts")

	for range 20 {
		now := clock.Now()
		require.NoError(t, s.ingest.submit(ctx, c.PublicID, core.Signal{Kind: core.SignalSuccess, OccurredAt: now, ReceivedAt: now}))
		clock.add(time.Second)
	}
	clock.add(time.Hour + 5*time.Minute) // past the deadlines the last success set
	wake(s.evalWake)
	var got *core.Check
	require.Eventually(t, func() bool {
		var err error
		got, err = s.store.Check(ctx, c.ID)
		return err == nil && got.State.Status != core.StatusUp
	}, 5*time.Second, time.Millisecond)
	assert.Equal(t, core.StatusDown, got.State.Status)
	assert.Equal(t, int32(2), counting.evaluations.Load(), "20 wake-ups with nothing due, then one evaluation")
}

// nextEvalFailing cannot read the next deadline.
type nextEvalFailing struct {
	*countingStore
	reads atomic.Int32
}

func (f *nextEvalFailing) NextEvalAt(context.Context) (time.Time, bool, error) {
	f.reads.Add(1)
	return time.Time{}, false, errors.New("disk I/O error")
}

// TestEvalLoopNextDeadlineUnreadable: when the next deadline cannot be
// read, wake-ups do not turn into evaluations (write transactions) in a
// tight loop, and the log says so once.
func TestEvalLoopNextDeadlineUnreadable(t *testing.T) {
	s, clock, _ := newTestCheck(t)
	failing := &nextEvalFailing{countingStore: &countingStore{Store: s.store}}
	var logs syncbuf.Buffer
	s = New(failing, clock, Config{Logger: log.New(&logs, "", 0)})
	s.Start()
	t.Cleanup(s.Stop)
	wake(s.evalWake)
	require.Eventually(t, func() bool { return failing.reads.Load() >= 2 }, 5*time.Second, time.Millisecond,
		"the loop looks at the next deadline on a wake-up")
	for range 100 { // wake-ups while it waits
		wake(s.evalWake)
	}
	assert.Equal(t, int32(1), failing.evaluations.Load(), "only the evaluation at start")
	assert.LessOrEqual(t, failing.reads.Load(), int32(3), "no read per wake-up while it waits")
	assert.Equal(t, 1, strings.Count(logs.String(), "reading the next deadline: disk I/O error"), "%s", logs.String())
}
