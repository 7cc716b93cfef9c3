//go:build !linux

package target

import "syscall"

// sysProcAttr sets nothing: only Linux has a parent-death signal. There the
// plugin relies on the watchdog in Serve.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}
