package testutil

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// ProcessesUnder returns the pids of the running processes whose
// executable, or script (an interpreter's first argument), lies under
// dir, read from /proc (Linux only; elsewhere it returns nil). A test that gives its plugins a directory of their own
// counts only its own processes with it.
func ProcessesUnder(t testing.TB, dir string) []int {
	t.Helper()
	if runtime.GOOS != "linux" {
		return nil
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("read /proc: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil {
			continue // gone, or a kernel thread
		}
		paths := []string{exe}
		if cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil {
			args := strings.Split(string(cmdline), "\x00")
			if len(args) > 1 {
				paths = append(paths, args[1]) // #!/usr/bin/python3 runs "python3 /path/script"
			}
		}
		for _, p := range paths {
			if strings.HasPrefix(p, dir+string(filepath.Separator)) && !zombie(pid) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// zombie reports whether pid has exited and waits to be reaped.
func zombie(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// InstallPlugin copies the executable src into dir as name with mode 0755
// and returns its path. Copying (not linking) lets ProcessesUnder find
// the processes started from it.
func InstallPlugin(t testing.TB, src, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "windows" && !strings.HasSuffix(name, ".exe") {
		name += ".exe"
	}
	dst := filepath.Join(dir, name)
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return dst
}
