package targettest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core/target"
)

// The event steps: send-start, send-success, send-fail and deadline.

// event returns a test event of type et.
func (s *Session) event(et target.EventType) target.Event {
	e := target.Event{
		CheckIdentifier: "pakyas-plugin-check",
		Type:            et,
		Timestamp:       time.Now().UTC().Truncate(time.Millisecond),
		Host:            "targettest.local",
		RunID:           s.runID,
	}
	switch et {
	case target.Success:
		e.ExitCode, e.Duration = new(0), 1500*time.Millisecond
	case target.Fail:
		e.ExitCode, e.Duration, e.Output = new(1), 2*time.Second, "targettest: the job failed\n"
	}
	return e
}

func sendStep(et target.EventType) func(*Session, context.Context) Result {
	return func(s *Session, ctx context.Context) Result {
		if !s.configured {
			return skip("needs an accepted configuration (config-good)")
		}
		if s.hung != "" {
			return skip("the plugin is still in the Send of %s, which ignored its deadline (see deadline)", s.hung)
		}
		e := s.event(et)
		sctx, cancel := context.WithTimeout(ctx, s.cfg.sendTimeout())
		defer cancel()
		res, err := s.client.Send(sctx, e)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || sctx.Err() != nil {
				s.hung = "send-" + string(et)
				return fail("Send did not answer within %s: %s", s.cfg.sendTimeout(), ctxHint)
			}
			return fail("%s", s.sendProblem(ctx, err))
		}
		if s.cfg.Verify != nil {
			if err := s.cfg.Verify(e); err != nil {
				return fail("the target said it delivered the %s event, but Verify disagrees: %v", et, err)
			}
		}
		s.delivered = true
		return pass("delivered in %s: %s", res.Latency.Round(10*time.Microsecond), res.Message)
	}
}

// sendProblem explains a failed Send.
func (s *Session) sendProblem(ctx context.Context, err error) string {
	var de *target.DeliveryError
	switch {
	case errors.As(err, &de):
		return fmt.Sprintf("the target did not deliver the event: %s; check the configuration, or the target's Send", de.Message)
	case s.client.Exited():
		return fmt.Sprintf("the plugin process exited during Send (%v): it crashed; its stderr has the reason (pakyas -v shows it)", err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("Send did not answer within %s: %v", s.cfg.stepTimeout(), err)
	}
	return fmt.Sprintf("Send failed (a gRPC error) instead of answering: %v; an undelivered event is SendResponse ok=false with a message, and a target must not crash (Go SDK: return an error, do not panic; the stack is on the plugin's stderr, which pakyas -v shows)", err)
}

// ctxHint says how a Send honours the host's deadline.
const ctxHint = "a Send must answer before its deadline (the call's grpc-timeout) passes and give up on what it was doing " +
	"(Go SDK: pass ctx to every call that can block, http.NewRequestWithContext(ctx, ...), select on ctx.Done() instead of time.Sleep)"

func (s *Session) deadline(ctx context.Context) Result {
	if s.hung != "" {
		return fail("the Send of %s ignored its deadline and is still running: %s", s.hung, ctxHint)
	}
	if !s.delivered {
		return skip("needs a delivered event (send-start, send-success, send-fail)")
	}
	hangs := s.ep != nil && mentions(s.slow, s.ep.HangURL)
	if !s.slow.isZero() {
		if err := s.client.Configure(ctx, s.slow.config()); err != nil {
			return fail("refused the slow configuration: %v", err)
		}
	}
	d := s.cfg.deadline()
	sendCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	_, err := s.client.Send(sendCtx, s.event(target.Success))
	took := time.Since(start)
	if took > d+time.Second {
		return fail("Send with a %s deadline returned after %s: %s", d, took.Round(time.Millisecond), ctxHint)
	}
	if hangs {
		if err == nil {
			return fail("Send answered ok=true though the endpoint never answered")
		}
		select {
		case <-s.ep.released:
		case <-time.After(2 * time.Second):
			return fail("Send returned at the deadline but the target kept its request open: " +
				"close it when the deadline passes (Go SDK: build requests with http.NewRequestWithContext(ctx, ...) so the host's deadline cancels them)")
		case <-ctx.Done():
			return fail("the target kept its request open past the deadline: close it when the deadline passes (Go SDK: http.NewRequestWithContext(ctx, ...))")
		}
	}
	if _, err := s.client.Describe(ctx); err != nil {
		return fail("the plugin stopped answering after a Send hit its deadline: %v", err)
	}
	if hangs {
		return pass("returned after %s with a %s deadline and cancelled its request", took.Round(time.Millisecond), d)
	}
	return pass("returned after %s with a %s deadline", took.Round(time.Millisecond), d)
}

// mentions reports whether a string value of t starts with prefix.
func mentions(t Tables, prefix string) bool {
	for _, m := range []map[string]any{t.Global, t.Check} {
		for _, v := range m {
			if str, ok := v.(string); ok && strings.HasPrefix(str, prefix) {
				return true
			}
		}
	}
	return false
}
