package external

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/target"
)

// Result is one target's answer to one event.
type Result struct {
	Target  string
	Err     error // nil: the service took the event
	Message string
	Latency time.Duration
}

// Send gives e to every applied target at once and waits for all of their
// answers, at most the timeout from now (or ctx's sooner deadline); a
// target still starting counts against the same deadline, and each target
// takes its events one at a time, in the order they were handed over. It
// returns one Result per target that applies, in name order, and prints
// them (failures unless Quiet, the rest with Verbose).
func (h *Host) Send(ctx context.Context, e target.Event) []Result {
	return h.dispatch(ctx, e)()
}

// Post hands e to every applied target like Send but does not wait for
// the answers: it returns at once, with e's place in each target's queue
// taken, so an event sent later reaches each target after e. Close waits
// for deliveries in flight (each bounded by the timeout).
func (h *Host) Post(ctx context.Context, e target.Event) {
	wait := h.dispatch(ctx, e)
	h.posts.Go(func() { wait() })
}

// dispatch queues e for every target and returns a function that waits
// for the answers.
func (h *Host) dispatch(ctx context.Context, e target.Event) func() []Result {
	if len(h.targets) == 0 {
		return func() []Result { return nil }
	}
	ctx, cancel := context.WithTimeout(ctx, h.opts.Timeout)
	results := make([]*Result, len(h.targets))
	var wg sync.WaitGroup
	h.mu.Lock()
	for i, r := range h.targets {
		prev, done := r.last, make(chan struct{})
		r.last = done
		wg.Go(func() {
			defer close(done)
			results[i] = h.send(ctx, r, prev, e)
		})
	}
	h.mu.Unlock()
	return func() []Result {
		defer cancel()
		wg.Wait()
		var out []Result
		for _, res := range results {
			if res != nil {
				out = append(out, *res)
			}
		}
		return out
	}
}

// send delivers e to r once the previous event (prev, nil for none) is
// done; nil when r does not apply after all.
func (h *Host) send(ctx context.Context, r *running, prev <-chan struct{}, e target.Event) *Result {
	t0 := time.Now()
	res := &Result{Target: r.name}
	defer func() {
		if res != nil {
			h.report(e.Type, res)
		}
	}()
	select {
	case <-r.ready:
	case <-ctx.Done():
		res.Err, res.Latency = fmt.Errorf("plugin did not start within the external timeout (%s)", h.opts.Timeout), time.Since(t0)
		return res
	}
	// Wait for the previous event first, so that its answer (and, for a
	// plugin that failed to start, the reason) is printed before this one.
	if prev != nil {
		select {
		case <-prev:
		case <-ctx.Done():
			res.Err, res.Latency = fmt.Errorf("the previous event is still in flight after the external timeout (%s)", h.opts.Timeout), time.Since(t0)
			return res
		}
	}
	h.mu.Lock()
	c, err, skip, said := r.client, r.err, r.skip, r.errSaid
	if err != nil {
		r.errSaid = true
	}
	h.mu.Unlock()
	switch {
	case skip:
		res = nil
		return nil
	case err != nil && said:
		res.Err = errors.New("the plugin did not start (the reason is above)")
		return res
	case err != nil:
		res.Err = err
		return res
	case c == nil:
		res.Err = errors.New("closed")
		return res
	}
	out, err := c.Send(ctx, e)
	res.Err, res.Message, res.Latency = err, out.Message, time.Since(t0)
	if errors.Is(err, context.DeadlineExceeded) || (err != nil && c.Exited()) {
		h.mu.Lock()
		r.hung = true
		h.mu.Unlock()
	}
	return res
}

// report prints res.
func (h *Host) report(kind target.EventType, res *Result) {
	if res.Err == nil {
		detail := ""
		if res.Message != "" {
			detail = " (" + res.Message + ")"
		}
		h.verbosef("External target %s: %s delivered in %s%s", res.Target, kind, ms(res.Latency), detail)
		return
	}
	var ce *config.Error
	if errors.As(res.Err, &ce) {
		return // printed when found
	}
	if !h.opts.Quiet {
		h.log.mu.Lock()
		console.Warn(h.log.w, fmt.Sprintf("external target %s: %s not delivered (%s): %v", res.Target, kind, ms(res.Latency), res.Err), "")
		h.log.mu.Unlock()
	}
}
