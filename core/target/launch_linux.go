package target

import "syscall"

// sysProcAttr starts the plugin in a process group of its own, so that a
// signal sent to pakyas's group (timeout(1), `kill -TERM -PGID`, a
// terminal's hangup) does not end it before pakyas has sent its last event;
// pakyas ends it through go-plugin. And it makes the kernel SIGKILL the
// plugin when pakyas dies, however it dies. Pdeathsig fires when the thread
// that started the child exits; the Go runtime only retires threads locked
// with runtime.LockOSThread, so Launch must not be called from such a
// goroutine. The watchdog in Serve covers the rest.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
