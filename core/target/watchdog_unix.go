//go:build unix

package target

import (
	"os"
	"time"
)

// watchParent calls gone when the parent process dies. A Unix process whose
// parent dies is re-parented (to init or a subreaper), so its parent pid
// changes; pakyas itself may be pid 1 in a container, so the test is "the
// parent changed", not "the parent is 1".
func watchParent(done <-chan struct{}, gone func()) {
	pollParent(done, watchInterval, os.Getppid, gone)
}

// pollParent calls gone once getppid stops returning the parent it returned
// first (the parent died and the process was re-parented), checking every
// interval until done is closed.
func pollParent(done <-chan struct{}, interval time.Duration, getppid func() int, gone func()) {
	parent := getppid()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			if getppid() != parent {
				gone()
				return
			}
		}
	}
}
