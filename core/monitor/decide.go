package monitor

// ExitMonitoringFailure is the exit code of a run whose finish signal did
// not reach Pakyas (after retries), whatever the job's own code: the
// monitoring is broken and the caller must know. A job may exit 3 itself;
// stderr tells the two apart (see docs/monitor.md).
const ExitMonitoringFailure = 3

// Outcome is everything the exit code of a monitored run depends on, the
// input of Decide.
type Outcome struct {
	// JobCode is the job's exit code: 128+n when a signal n killed it,
	// 127 or 126 when it could not be started.
	JobCode int
	// Delivered: Pakyas acknowledged the finish signal.
	Delivered bool
	// MigrationMode lets an external monitor's success stand in for
	// Pakyas's (external-monitors.md, "migration mode").
	MigrationMode bool
	// ExternalDelivered: at least one external target took the finish
	// signal. Always false until external targets exist.
	ExternalDelivered bool
}

// Verdict says why Decide chose its exit code.
type Verdict int

// Verdicts of Decide.
const (
	// Reported: Pakyas got the finish signal; exit with the job's code.
	Reported Verdict = iota
	// ReportedExternally: Pakyas did not, an external monitor did and
	// migration mode is on; exit with the job's code and a warning.
	ReportedExternally
	// Unreported: the run reached no monitor that counts; exit 3.
	Unreported
)

func (v Verdict) String() string {
	switch v {
	case Reported:
		return "reported"
	case ReportedExternally:
		return "reported externally"
	case Unreported:
		return "unreported"
	}
	return "unknown"
}

// Decision is the exit code of a monitored run and why.
type Decision struct {
	Code    int
	Verdict Verdict
}

// Decide returns the exit code of a monitored run (external-monitors.md,
// "Exit codes"): the job's own code when the finish signal reached
// Pakyas; in migration mode, the job's code when at least one external
// monitor took it instead (the caller warns); otherwise
// ExitMonitoringFailure.
func Decide(o Outcome) Decision {
	switch {
	case o.Delivered:
		return Decision{Code: o.JobCode, Verdict: Reported}
	case o.MigrationMode && o.ExternalDelivered:
		return Decision{Code: o.JobCode, Verdict: ReportedExternally}
	}
	return Decision{Code: ExitMonitoringFailure, Verdict: Unreported}
}
