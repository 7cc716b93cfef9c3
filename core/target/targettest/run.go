package targettest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Run runs every step as a subtest of t: a failed step fails the test
// with the step's message, a skipped one is skipped.
func Run(t *testing.T, cfg Config) {
	t.Helper()
	s := NewSession(cfg)
	t.Cleanup(s.Close)
	for _, st := range Steps() {
		t.Run(st.Name, func(t *testing.T) {
			r := s.Run(t.Context(), st)
			switch r.Status {
			case Fail:
				t.Errorf("%s: %s", st.Name, r.Message)
			case Skip:
				t.Skip(r.Message)
			default:
				t.Log(r.Message)
			}
		})
	}
}

// Build builds the plugin package pkg (a path as `go build` takes it,
// relative to the test's directory, e.g. ".") into a temporary directory
// as pakyas-target-<name> and returns the executable's path.
func Build(t testing.TB, pkg, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pakyas-target-"+name)
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}
