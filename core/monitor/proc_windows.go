//go:build windows

package monitor

import (
	"io"
	"os"
	"os/exec"
	"syscall"
)

// forwarded are the signals pakyas handles while the job runs. Windows has
// no process groups to signal: the job shares pakyas's console, so Ctrl-C
// and Ctrl-Break reach it directly; a close, logoff or shutdown event
// (SIGTERM in Go) terminates it.
var forwarded = []os.Signal{os.Interrupt, syscall.SIGTERM}

// brokenPipe: Windows has no SIGPIPE; a write to a closed pipe is an error.
var brokenPipe []os.Signal

type group struct{ p *os.Process }

func prepare(*exec.Cmd, io.Reader) *group { return &group{} }

func (g *group) started(p *os.Process) { g.p = p }

func (g *group) forward(sig os.Signal) error {
	if sig == os.Interrupt {
		return nil // the console delivered it to the job already
	}
	return g.p.Kill()
}

func (g *group) restore() {}

// exitStatus returns the job's exit code; Windows has no signals to
// report.
func exitStatus(st *os.ProcessState) (int, os.Signal) { return st.ExitCode(), nil }
