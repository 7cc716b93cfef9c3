package external

import (
	"context"

	"github.com/pakyas/pakyas/core/monitor"
	"github.com/pakyas/pakyas/core/target"
)

// Monitor returns h as the external monitors of a Deliverer
// (monitor.External), or nil when no target applies: then nothing is
// launched and nothing waited for.
func (h *Host) Monitor() monitor.External {
	if h == nil || h.Targets() == 0 {
		return nil
	}
	return (*monitorHost)(h)
}

type monitorHost Host

// Post sends the event in the background; Close waits for it.
func (m *monitorHost) Post(ctx context.Context, ev monitor.Event) {
	h := (*Host)(m)
	h.Post(ctx, h.event(ev))
}

// Send sends the event and reports whether at least one target took it.
func (m *monitorHost) Send(ctx context.Context, ev monitor.Event) bool {
	h := (*Host)(m)
	for _, r := range h.Send(ctx, h.event(ev)) {
		if r.Err == nil {
			return true
		}
	}
	return false
}

// event turns a monitor event into a target event for the Host's check.
func (h *Host) event(ev monitor.Event) target.Event {
	out := target.Event{CheckIdentifier: h.opts.Key, Type: target.EventType(ev.Kind), RunID: ev.RunID, Host: ev.Host,
		Timestamp: ev.At, Duration: ev.Duration, Output: string(ev.Output)}
	if ev.Kind != "start" && !ev.NoExitCode {
		out.ExitCode = new(ev.ExitCode)
	}
	return out
}
