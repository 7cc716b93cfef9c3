package alert

import (
	"time"

	"github.com/pakyas/pakyas/core"
)

// The words every notifier uses, so a webhook, a Slack message and an email
// about one transition say the same thing.

// checkName returns the check's name, or its slug when it has none.
func checkName(m core.AlertMessage) string {
	if m.Name != "" {
		return m.Name
	}
	return m.Slug
}

// recovery reports whether m is about a check coming out of a bad status:
// back up, or late (the bad status ended; the next run is due, inside its
// grace). A recovery resolves the incident its alert opened.
func recovery(m core.AlertMessage) bool {
	return backUp(m) || (core.Transition{From: m.From, To: m.To}).Recovers()
}

// backUp reports whether m is about a check coming back On Schedule.
func backUp(m core.AlertMessage) bool {
	return m.To == core.StatusUp && m.From != core.StatusUp
}

// headline returns e.g. "Nightly Backup is Missing", "Nightly Backup is
// On Schedule again" or, for a recovery into Late, "Nightly Backup is no
// longer Overrunning (now Late)".
func headline(m core.AlertMessage) string {
	switch {
	case backUp(m):
		return checkName(m) + " is " + m.To.Label() + " again"
	case recovery(m):
		return checkName(m) + " is no longer " + m.From.Label() + " (now " + m.To.Label() + ")"
	}
	return checkName(m) + " is " + m.To.Label()
}

// wasPhrase returns e.g. "(was On Schedule)", or "" when the old status is
// unknown or the same.
func wasPhrase(m core.AlertMessage) string {
	if m.From == "" || m.From == m.To {
		return ""
	}
	return "(was " + m.From.Label() + ")"
}

// formatTime returns t in UTC, e.g. "2026-05-06 03:05:00 UTC".
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// clockTime returns t's time of day in UTC, e.g. "03:05:30 UTC".
func clockTime(t time.Time) string {
	return t.UTC().Format("15:04:05 UTC")
}
