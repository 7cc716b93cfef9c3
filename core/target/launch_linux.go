package target

import "syscall"

// sysProcAttr makes the kernel SIGKILL the plugin when pakyas dies, however
// it dies. Pdeathsig fires when the thread that started the child exits;
// the Go runtime only retires threads locked with runtime.LockOSThread, so
// Launch must not be called from such a goroutine. The watchdog in Serve
// covers the rest.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
