package server

import (
	"context"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/status"
)

// evalBatch is how many due checks one transaction evaluates.
const evalBatch = 500

// maxIdle bounds how long the loops sleep when nothing is due, so a
// clock jump or a missed wake-up costs at most this much delay.
const maxIdle = time.Minute

// errorWait is the pause after a failed evaluation round, and the longest
// wait for one while the next deadline cannot be read.
const errorWait = 5 * time.Second

// EvaluateDue moves every check whose deadline has passed to late, down or
// overrunning, records the transitions and queues their alerts. It reads
// only due checks (an index on the next deadline), never all of them, and
// is correct after a restart because the deadlines are stored.
func (s *Server) EvaluateDue(ctx context.Context) (int, error) {
	total := 0
	for round := 0; round < 1000; round++ {
		now := s.clock.Now()
		var alerts, n int
		err := s.store.Update(ctx, func(q core.Queries) error {
			// Claimed inside the transaction: on PostgreSQL the due
			// checks are locked until it commits, and those another
			// server holds are skipped, so each deadline is judged by
			// exactly one server, on the state the last signal left.
			due, err := q.DueChecks(ctx, now, evalBatch)
			if err != nil {
				return err
			}
			n = len(due)
			w := newWriter(ctx, s, q)
			for i := range due {
				w.checks[due[i].PublicID] = &due[i]
			}
			for _, i := range parentsFirst(due) {
				c := &due[i]
				if err := w.apply(c, status.Evaluate(c, now), now, alertLive); err != nil {
					return err
				}
				w.dirty = append(w.dirty, c)
			}
			alerts = w.alerts
			return w.flush()
		})
		if err != nil {
			return total, err
		}
		total += n
		if alerts > 0 {
			wake(s.alertWake)
		}
		if n < evalBatch {
			return total, nil
		}
	}
	return total, nil
}

func (s *Server) evalLoop(ctx context.Context) {
	failing := false // reading the next deadline fails (said once)
	for {
		if _, err := s.EvaluateDue(ctx); err != nil && ctx.Err() == nil {
			// A failing store is retried, but not in a tight loop that
			// floods the log.
			s.logf("evaluate checks: %v (retrying in %s)", err, errorWait)
			if !sleep(ctx, errorWait, nil) {
				return
			}
			continue
		}
		wait, _, _ := s.untilNextEval(ctx, &failing)
		// Sleep until the next deadline. A wake-up (a signal was stored,
		// a check changed) may have brought it forward: look again, and
		// evaluate only once one has passed, not on every wake-up: each
		// evaluation is a write transaction, which ingest would wait for.
		until := time.Now().Add(wait)
		for {
			woken, alive := sleepOrWake(ctx, time.Until(until), s.evalWake)
			if !alive {
				return
			}
			if !woken {
				break
			}
			wait, due, ok := s.untilNextEval(ctx, &failing)
			if !ok {
				// The deadline cannot be read: evaluate within
				// errorWait, whatever wakes the loop meanwhile (wake-ups
				// come with every stored batch, faster than any timer).
				if time.Until(until) > errorWait {
					until = time.Now().Add(errorWait)
				}
				if !sleep(ctx, time.Until(until), nil) {
					return
				}
				break
			}
			if due {
				break
			}
			until = time.Now().Add(wait)
		}
	}
}

// untilNextEval returns how long until the next stored deadline, at most
// maxIdle, and whether it has passed. When the store does not answer
// (ok false) it says so once while *failing, and returns errorWait: the
// loop evaluates when that wait is over.
func (s *Server) untilNextEval(ctx context.Context, failing *bool) (wait time.Duration, due, ok bool) {
	next, found, err := s.store.NextEvalAt(ctx)
	if err != nil {
		if !*failing && ctx.Err() == nil {
			s.logf("evaluate checks: reading the next deadline: %v (evaluating every %s until it can be read)", err, errorWait)
		}
		*failing = true
		return errorWait, false, false
	}
	*failing = false
	if !found {
		return maxIdle, false, true
	}
	d := next.Sub(s.clock.Now())
	return min(d, maxIdle), d <= 0, true
}

// DeliverAlerts delivers every alert that is due now, once.
func (s *Server) DeliverAlerts(ctx context.Context) (int, error) {
	return s.dispatcher.RunOnce(ctx)
}

// Prune deletes signals older than the retention and beyond the per-check
// limit, delivered or abandoned alerts older than the retention, and
// expired dashboard sign-in links and sessions.
func (s *Server) Prune(ctx context.Context) (int64, error) {
	before := s.clock.Now().Add(-s.cfg.Retention)
	n, err := s.store.PruneTimeline(ctx, before, s.cfg.KeepSignals)
	if err != nil {
		return n, err
	}
	m, err := s.store.PruneAlerts(ctx, before)
	if err != nil {
		return n + m, err
	}
	// Sign-in links and sessions are of no use once expired.
	k, err := s.store.PruneWebTokens(ctx, s.clock.Now())
	return n + m + k, err
}

func (s *Server) pruneLoop(ctx context.Context) {
	for {
		if n, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.logf("prune signals: %v", err)
		} else if n > 0 {
			s.logf("pruned %d old signals", n)
		}
		if !sleep(ctx, time.Hour, nil) {
			return
		}
	}
}

// sleep waits for d, a wake-up or ctx; it returns false when ctx is done.
func sleep(ctx context.Context, d time.Duration, wakeup <-chan struct{}) bool {
	_, alive := sleepOrWake(ctx, d, wakeup)
	return alive
}

// sleepOrWake is sleep that also says whether a wake-up ended it. It waits
// at least 10 ms.
func sleepOrWake(ctx context.Context, d time.Duration, wakeup <-chan struct{}) (woken, alive bool) {
	if d < 10*time.Millisecond {
		d = 10 * time.Millisecond
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, false
	case <-t.C:
		return false, true
	case <-wakeup:
		return true, true
	}
}

// parentsFirst orders checks so that a check that depends on another of
// them comes after it: when both fall due at once, the parent's new status
// decides whether the child's alert is held.
func parentsFirst(cs []core.Check) []int {
	pending := map[string]bool{}
	for _, c := range cs {
		pending[c.ID] = true
	}
	order := make([]int, 0, len(cs))
	done := make([]bool, len(cs))
	for len(order) < len(cs) {
		progress := false
		for i, c := range cs {
			if done[i] || (c.DependsOn != "" && pending[c.DependsOn] && c.DependsOn != c.ID) {
				continue
			}
			order = append(order, i)
			done[i], pending[c.ID], progress = true, false, true
		}
		if !progress { // a cycle (refused by the API): the rest in any order
			for i := range cs {
				if !done[i] {
					order = append(order, i)
					done[i] = true
				}
			}
		}
	}
	return order
}
