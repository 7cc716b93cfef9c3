package core

// Status is a check's status as Pakyas reports it.
//
// The settled statuses are new, up, late, down, failed, overrunning and
// paused. Running is an overlay: it is shown while a run is open, but it is
// never a check's settled status and never the subject of an alert.
type Status string

// The statuses of a check. The comments give the meaning from the signal
// model; Label gives the words the product shows.
const (
	// StatusNew: created, no execution signal yet. No alerts.
	StatusNew Status = "new"
	// StatusUp ("On Schedule"): a valid execution signal arrived on time.
	StatusUp Status = "up"
	// StatusRunning: execution has started but not completed (overlay).
	StatusRunning Status = "running"
	// StatusLate: more than a minute (status.OnTime) past the expected
	// time, still inside the grace period.
	StatusLate Status = "late"
	// StatusDown ("Missing"): no execution signal was received in time.
	StatusDown Status = "down"
	// StatusFailed: the job ran but reported failure.
	StatusFailed Status = "failed"
	// StatusOverrunning: started, and no finish within the max runtime.
	StatusOverrunning Status = "overrunning"
	// StatusPaused: monitoring is intentionally disabled.
	StatusPaused Status = "paused"
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusNew, StatusUp, StatusRunning, StatusLate, StatusDown, StatusFailed, StatusOverrunning, StatusPaused}

// Label returns the product's words for s: "On Schedule" for up, "Missing"
// for down, and the capitalised name otherwise.
func (s Status) Label() string {
	switch s {
	case StatusNew:
		return "New"
	case StatusUp:
		return "On Schedule"
	case StatusRunning:
		return "Running"
	case StatusLate:
		return "Late"
	case StatusDown:
		return "Missing"
	case StatusFailed:
		return "Failed"
	case StatusOverrunning:
		return "Overrunning"
	case StatusPaused:
		return "Paused"
	}
	return string(s)
}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Bad reports whether s is a status people are alerted about: down, failed
// or overrunning.
func (s Status) Bad() bool {
	return s == StatusDown || s == StatusFailed || s == StatusOverrunning
}
