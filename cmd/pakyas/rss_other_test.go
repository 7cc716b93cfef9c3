//go:build unix && !linux

package main

import "testing"

// peakRSS is measured on Linux only.
func peakRSS(t *testing.T, _ int) int64 {
	t.Skip("peak memory is measured on Linux")
	return 0
}
