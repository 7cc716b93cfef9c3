package monitor

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// exec runs the job to its end, forwarding termination signals to it, and
// records its exit code and duration. It returns an error only when the
// job could not be started.
func (r *runner) exec(cmd *exec.Cmd) (*Ring, error) {
	ring := r.outputs(cmd)
	g := prepare(cmd, r.cfg.Stdin)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g.started(cmd.Process)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-r.sigs: // including any that came before the job started
			r.log.Verbosef("forwarding %v to the job", s)
			if err := g.forward(s); err != nil {
				r.log.Verbosef("cannot forward %v: %v", s, err)
			}
		case err := <-done:
			r.res.Duration = time.Since(t0)
			g.restore()
			r.res.JobCode = r.jobCode(cmd.ProcessState, err)
			return ring, nil
		}
	}
}

// outputs connects the job's streams: ours as they are, except those
// captured, which go through a pipe into our stream and the ring.
func (r *runner) outputs(cmd *exec.Cmd) *Ring {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.cfg.Stdin, r.cfg.Stdout, r.cfg.Stderr
	// Bound how long Wait waits for captured output after the job
	// exited: a grandchild holding the pipe must not hang us.
	cmd.WaitDelay = r.cfg.WaitDelay
	if r.cfg.Capture == CaptureNone {
		return nil
	}
	ring := NewRing(r.cfg.OutputLimit)
	if r.cfg.Capture == CaptureStderr || r.cfg.Capture == CaptureBoth {
		cmd.Stderr = &tee{w: r.cfg.Stderr, r: ring}
	}
	if r.cfg.Capture == CaptureStdout || r.cfg.Capture == CaptureBoth {
		cmd.Stdout = &tee{w: r.cfg.Stdout, r: ring}
	}
	return ring
}

// jobCode returns the job's exit code as a shell reports it: 128+n when
// a signal n killed it.
func (r *runner) jobCode(st *os.ProcessState, err error) int {
	if errors.Is(err, exec.ErrWaitDelay) {
		r.log.Verbosef("the job exited but something it started still holds its output open; stopped reading after %s", r.cfg.WaitDelay)
	}
	if st == nil {
		return 1
	}
	code, sig := exitStatus(st)
	if sig != nil {
		r.log.Verbosef("the job was killed by signal %v (exit %d)", sig, code)
	}
	return code
}

// startFailure returns the exit code a shell uses for a command that
// cannot be started, and why in words: 127 not found, 126 not executable.
func startFailure(err error) (int, string) {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return 127, "command not found"
	case errors.Is(err, exec.ErrDot):
		return 127, "command not found (it is in the current directory: run it as ./NAME)"
	case errors.Is(err, fs.ErrNotExist):
		return 127, "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return 126, "permission denied"
	case errors.Is(err, syscall.ENOEXEC):
		return 126, "not an executable (exec format error; a script needs a #! line)"
	case errors.Is(err, syscall.EISDIR):
		return 126, "is a directory"
	}
	return 126, err.Error()
}
