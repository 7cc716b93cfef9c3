package monitor

import (
	"errors"
	"io"
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
	ring, caps, err := r.outputs(cmd)
	if err != nil {
		return nil, err
	}
	g := prepare(cmd, r.cfg.Stdin)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		caps.close()
		return nil, err
	}
	g.started(cmd.Process)
	caps.started()
	// The job's streams are files (ours, or the captures' pipes), so Wait
	// returns when the job exits, whatever holds a pipe open after it.
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
			if !caps.drain(r.cfg.WaitDelay) {
				r.log.Verbosef("the job exited but something it started still holds its output open; stopped reading after %s", r.cfg.WaitDelay)
			}
			r.res.JobCode = r.jobCode(cmd.ProcessState, err)
			return ring, nil
		}
	}
}

// outputs connects the job's streams: ours as they are, except those
// captured, which go through a pipe of our own into our stream and the
// ring.
func (r *runner) outputs(cmd *exec.Cmd) (*Ring, captures, error) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.cfg.Stdin, r.cfg.Stdout, r.cfg.Stderr
	// A stream that is not a file (an embedding program's writer) is
	// copied by os/exec: bound how long Wait waits for it after the job
	// exited, so that a process the job left behind cannot hang us.
	cmd.WaitDelay = r.cfg.WaitDelay
	if r.cfg.Capture == CaptureNone {
		return nil, nil, nil
	}
	ring := NewRing(r.cfg.OutputLimit)
	var caps captures
	for _, c := range []struct {
		on  bool
		dst *io.Writer
		our io.Writer
	}{
		{r.cfg.Capture == CaptureStderr || r.cfg.Capture == CaptureBoth, &cmd.Stderr, r.cfg.Stderr},
		{r.cfg.Capture == CaptureStdout || r.cfg.Capture == CaptureBoth, &cmd.Stdout, r.cfg.Stdout},
	} {
		if !c.on {
			continue
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			caps.close()
			return nil, nil, err
		}
		caps = append(caps, &capture{r: pr, w: pw, to: &tee{w: c.our, r: ring}, done: make(chan struct{})})
		*c.dst = pw
	}
	return ring, caps, nil
}

// capture copies one captured stream from the pipe the job writes to.
type capture struct {
	r, w *os.File // our end, the job's end
	to   io.Writer
	done chan struct{} // closed when the copy ended
}

type captures []*capture

// started closes our copies of the job's ends and starts copying.
func (cs captures) started() {
	for _, c := range cs {
		_ = c.w.Close()
		go func() {
			defer close(c.done)
			_, _ = io.Copy(c.to, c.r)
		}()
	}
}

// drain waits, after the job exited, for what is left in its pipes, at
// most d (a process the job left behind may hold a pipe open), then closes
// our ends. It reports whether every copy reached the end.
func (cs captures) drain(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	all := true
	for _, c := range cs {
		select {
		case <-c.done:
		case <-t.C:
			all = false
		}
		if !all {
			break
		}
	}
	for _, c := range cs {
		// A copy still reading ends with the read (at once where
		// pipes are pollable); until then it only adds to the ring.
		_ = c.r.Close()
	}
	return all
}

// close closes both ends of pipes never handed to a started job.
func (cs captures) close() {
	for _, c := range cs {
		_ = c.r.Close()
		_ = c.w.Close()
	}
}

// jobCode returns the job's exit code as a shell reports it: 128+n when
// a signal n killed it.
func (r *runner) jobCode(st *os.ProcessState, err error) int {
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
