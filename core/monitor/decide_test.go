package monitor

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDecide covers every cell of the exit-code table: delivered or not ×
// migration mode × an external monitor succeeded or not × the job's code
// (success, failure, a job that exits 3 itself, killed by SIGTERM, could
// not start).
func TestDecide(t *testing.T) {
	type row struct {
		delivered, migration, external bool
		verdict                        Verdict
		jobCode                        bool // true: the job's code; false: 3
	}
	rows := []row{
		// Pakyas got the finish: the job's code, whatever else happened.
		{true, false, false, Reported, true},
		{true, false, true, Reported, true},
		{true, true, false, Reported, true},
		{true, true, true, Reported, true},
		// Pakyas did not: 3, unless migration mode and an external success.
		{false, false, false, Unreported, false},
		{false, false, true, Unreported, false},
		{false, true, false, Unreported, false},
		{false, true, true, ReportedExternally, true},
	}
	for _, r := range rows {
		for _, code := range []int{0, 1, 2, 3, 126, 127, 143} {
			name := fmt.Sprintf("delivered=%v/migration=%v/external=%v/job=%d", r.delivered, r.migration, r.external, code)
			t.Run(name, func(t *testing.T) {
				got := Decide(Outcome{JobCode: code, Delivered: r.delivered, MigrationMode: r.migration, ExternalDelivered: r.external})
				want := ExitMonitoringFailure
				if r.jobCode {
					want = code
				}
				assert.Equal(t, Decision{Code: want, Verdict: r.verdict}, got)
			})
		}
	}
}
