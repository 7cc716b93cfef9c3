//go:build unix

package monitor

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwarded are the signals pakyas passes on to the job's process group.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// brokenPipe is caught for the whole run, so that writing to a closed
// stdout or stderr is an error rather than the end of pakyas.
var brokenPipe = []os.Signal{syscall.SIGPIPE}

// group is the job's process group. The job runs in a group of its own so
// a signal reaches it and everything it started, once (not twice, as it
// would when a terminal's Ctrl-C hit both pakyas and the job).
type group struct {
	pid int
	// tty is the terminal the job was made the foreground group of: a job
	// in a background group that reads the terminal would be stopped
	// (SIGTTIN). nil when stdin is not our terminal.
	tty *os.File
}

func prepare(cmd *exec.Cmd, stdin io.Reader) *group {
	g := &group{}
	attr := &syscall.SysProcAttr{Setpgid: true}
	if f, ok := stdin.(*os.File); ok && isForeground(f) {
		attr.Foreground = true
		attr.Ctty = int(f.Fd())
		g.tty = f
	}
	cmd.SysProcAttr = attr
	return g
}

// isForeground reports whether f is a terminal whose foreground process
// group is ours (not when pakyas itself runs in the background).
func isForeground(f *os.File) bool {
	pgrp, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

func (g *group) started(p *os.Process) {
	g.pid = p.Pid
	if g.tty != nil {
		// pakyas is now in a background group of the terminal: writing
		// to it (with `stty tostop`) and taking it back in restore would
		// stop us with SIGTTOU. Ignore it; the job has already started,
		// so it does not inherit this.
		signal.Ignore(syscall.SIGTTOU)
	}
}

// forward sends sig to the job's process group (to the job alone if the
// group is gone).
func (g *group) forward(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return errors.New("not a unix signal")
	}
	err := unix.Kill(-g.pid, s)
	if errors.Is(err, unix.ESRCH) {
		err = unix.Kill(g.pid, s)
	}
	return err
}

// restore makes pakyas's group the terminal's foreground group again.
func (g *group) restore() {
	if g.tty != nil {
		_ = unix.IoctlSetPointerInt(int(g.tty.Fd()), unix.TIOCSPGRP, unix.Getpgrp())
	}
}

// exitStatus returns the exit code as a shell reports it (128+n for a
// job killed by signal n) and the signal, if any.
func exitStatus(st *os.ProcessState) (int, os.Signal) {
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), ws.Signal()
	}
	return st.ExitCode(), nil
}
