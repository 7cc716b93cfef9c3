//go:build windows

package target

import (
	"os"
	"syscall"
)

// watchParent calls gone when the parent process dies. Windows does not
// re-parent orphans, so the watchdog waits on a handle to the parent
// instead of polling its pid.
func watchParent(done <-chan struct{}, gone func()) {
	h, err := syscall.OpenProcess(syscall.SYNCHRONIZE, false, uint32(os.Getppid()))
	if err != nil { // the parent is already gone
		gone()
		return
	}
	exited := make(chan struct{})
	go func() {
		defer syscall.CloseHandle(h)
		_, _ = syscall.WaitForSingleObject(h, syscall.INFINITE)
		close(exited)
	}()
	select {
	case <-done:
	case <-exited:
		gone()
	}
}
