// Package core is the Pakyas domain: checks, schedules, signals, statuses,
// timeline entries, alert channels and the small interfaces (Store, Clock)
// that the rest of the program is written against.
//
// Package core imports nothing of ours and nothing outside the standard
// library. The signal model itself (how signals and time move a check between
// statuses) lives in core/status; storage in core/store.
package core
