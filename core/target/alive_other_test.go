//go:build unix && !linux

package target_test

import "syscall"

// alive reports whether pid exists. Without /proc, a zombie counts as
// alive; the tests that depend on the difference are Linux-only.
func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}
