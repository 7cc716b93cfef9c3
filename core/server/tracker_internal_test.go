package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestTrackerCloseBounded: close waits for running handlers at most for
// its timeout, says how many still run, and admits no more.
func TestTrackerCloseBounded(t *testing.T) {
	tr := newTracker()
	assert.True(t, tr.enter())
	assert.True(t, tr.enter())
	tr.leave()
	assert.Equal(t, 1, tr.close(20*time.Millisecond), "one handler still runs")
	assert.False(t, tr.enter(), "closed: no more handlers")
	tr.leave()
	assert.Equal(t, 0, tr.running())

	idle := newTracker()
	assert.Equal(t, 0, idle.close(0), "nothing running: returns at once")
}
