//go:build unix && !linux

package target

import "syscall"

// sysProcAttr starts the plugin in a process group of its own, as on Linux,
// so that a signal sent to pakyas's group does not end it before pakyas has
// sent its last event. Only Linux has a parent-death signal: here the
// plugin relies on the watchdog in Serve to die with pakyas.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
