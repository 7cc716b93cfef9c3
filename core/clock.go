package core

import "time"

// Clock tells the time. Everything that computes status takes a Clock so
// tests move time forward instead of sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
