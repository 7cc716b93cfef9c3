//go:build (thin || noserver) && !unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

var exeSuffix = map[bool]string{true: ".exe"}[runtime.GOOS == "windows"]

// execReplaces: execFull runs the other executable as a child process.
const execReplaces = false

// execFull runs the executable at path with the same arguments, environment and
// standard streams, and exits with its code: this system cannot replace a
// process. It returns only when it could not be started.
func execFull(path string, args []string) error {
	c := exec.Command(path, args[1:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	os.Exit(0)
	return nil
}
