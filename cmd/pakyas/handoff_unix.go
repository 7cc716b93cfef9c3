//go:build (thin || noserver) && unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

const exeSuffix = ""

// execReplaces: execFull replaces this process.
const execReplaces = true

// execFull replaces this process with the executable at path, given the same
// arguments, environment, standard streams and process ID (so cron, a
// supervisor or a shell sees one process, and signals reach the job's
// monitor as before). It returns only on failure.
func execFull(path string, args []string) error {
	argv := append([]string{path}, args[1:]...)
	if err := syscall.Exec(path, argv, os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil
}
