package core

import "time"

// Clock tells the time. Everything that computes status takes a Clock so
// tests move time forward instead of sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, read as stores keep time: the wall clock
// in UTC, without Go's monotonic reading. Times computed from it then
// compare with times read back from a store the same way (by the wall
// clock, also across a clock step), whether a check's state was just
// computed or loaded.
type SystemClock struct{}

// Now returns time.Now() in UTC, without its monotonic reading.
func (SystemClock) Now() time.Time { return time.Now().Round(0).UTC() }
