package target

import "syscall"

// sysProcAttr sets nothing: Windows has neither process groups to signal
// nor a parent-death signal. The plugin relies on the watchdog in Serve.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}
