package core

import (
	"testing"
	"time"
)

// TestSystemClock: times as stores keep them, UTC without a monotonic
// reading, so a state just computed compares like one read back.
func TestSystemClock(t *testing.T) {
	now := SystemClock{}.Now()
	if now != now.Round(0) {
		t.Errorf("Now() = %v has a monotonic reading", now)
	}
	if now.Location() != time.UTC {
		t.Errorf("Now() is in %v, want UTC", now.Location())
	}
	if d := time.Since(now); d < 0 || d > time.Minute {
		t.Errorf("Now() is %v from the time", d)
	}
}
