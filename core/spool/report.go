package spool

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

// Err is the outcome of a replay for `pakyas spool flush`: nil when the
// spool is empty afterwards; an EUNAVAILABLE *core.Error when signals are
// still waiting (for which server or check, and why) or another process
// was replaying; an EINVALID one when some were rejected (each said by
// Rejection.Message).
func (r Report) Err(dir string) error {
	switch {
	case r.Busy:
		return &core.Error{Code: core.EUNAVAILABLE, Message: fmt.Sprintf("another pakyas is delivering the spool (%s) right now", dir),
			Hint: "try again in a moment"}
	case r.Pending > 0:
		var why []string
		for u, err := range r.Unreachable {
			why = append(why, fmt.Sprintf("%s: %s", u, core.ErrorText(api.Explain(u, err))))
		}
		for check, err := range r.Held {
			why = append(why, fmt.Sprintf("%s: %v", check, err))
		}
		slices.Sort(why)
		return &core.Error{Code: core.EUNAVAILABLE, Message: fmt.Sprintf("%d signal(s) are still in the spool: %s", r.Pending, strings.Join(why, "; ")),
			Hint: "is the server up? They are delivered by the next pakyas run, or: pakyas spool flush"}
	case len(r.Rejected) > 0:
		return &core.Error{Code: core.EINVALID, Message: fmt.Sprintf("%d signal(s) were rejected and moved to %s", len(r.Rejected), RejectedDir),
			Hint: "pakyas spool list shows them and why"}
	}
	return nil
}

// Summary is the report as `pakyas spool flush --format json` prints it.
func (r Report) Summary() map[string]any {
	unreachable := map[string]string{}
	for u, err := range r.Unreachable {
		unreachable[u] = err.Error()
	}
	held := map[string]string{}
	for c, err := range r.Held {
		held[c] = err.Error()
	}
	return map[string]any{"delivered": len(r.Delivered), "rejected": len(r.Rejected), "pending": r.Pending,
		"unreachable": unreachable, "held": held, "busy": r.Busy}
}
