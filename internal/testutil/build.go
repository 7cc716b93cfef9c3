package testutil

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// Tags are the build tags of the release binaries: the Makefile's TAGS
// (TestTagsMatchMakefile keeps the two equal), so the tests run the very
// binaries `make build` ships.
const Tags = "grpcnotrace"

var (
	builtMu sync.Mutex
	built   = map[string]string{} // package → executable, in this process
)

// RepoRoot returns the repository's root directory (where go.mod is).
func RepoRoot(t testing.TB) string {
	t.Helper()
	return repoRoot()
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary returns the executable built from pkg, a directory relative to
// the repository root ("./cmd/pakyas", "./plugins/webhook", or the root of
// a module of its own such as "./examples/jsonl-target"), named name
// ("pakyas", "pakyas-target-webhook"; ".exe" is added on Windows). It fails
// the test when the build fails.
//
// The binaries are built with the release tags into one directory shared by
// every test process of the checkout, under a file lock. `go build` relinks
// an executable only when its inputs changed (it compares the build ID
// recorded in the file), so however many test packages of one `go test`
// invocation ask for pakyas or a plugin, it is built once; the later calls
// only confirm it is up to date. Callers must not modify the file: copy it
// (InstallPlugin) to put it somewhere of their own.
func Binary(t testing.TB, pkg, name string) string {
	t.Helper()
	path, err := Build(pkg, name)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Build is Binary for TestMain, where there is no testing.TB.
//
// "./cmd/pakyas" named "pakyas" is built as `make build` ships it: the lean
// pakyas (tags Tags and LeanTag) with pakyas-host (Tags and HostTag) and
// pakyas-full (Tags) beside it, which the lean one runs for the plugin
// commands and runs with external targets, and for the server.
func Build(pkg, name string) (string, error) {
	builtMu.Lock()
	defer builtMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p, nil
	}
	var out string
	var err error
	if path.Clean(pkg) == "cmd/pakyas" && name == "pakyas" {
		// The executables the lean one hands commands to, then itself.
		for _, b := range [][2]string{{"pakyas-full", Tags}, {"pakyas-host", Tags + " " + HostTag}, {"pakyas", Tags + " " + LeanTag}} {
			if out, err = build(pkg, b[0], b[1]); err != nil {
				break
			}
		}
	} else {
		out, err = build(pkg, name, Tags)
	}
	if err != nil {
		return "", err
	}
	built[pkg] = out
	return out, nil
}

// LeanTag is the build tag of the lean pakyas executable (cmd/pakyas
// built without the server and the plugin host).
const LeanTag = "thin"

// HostTag is the build tag of pakyas-host (cmd/pakyas built with the
// target plugin host and without the server).
const HostTag = "noserver"

func build(pkg, name, tags string) (string, error) {
	root := repoRoot()
	dir := filepath.Join(binDir(root), strings.NewReplacer("/", "_", ".", "_").Replace(filepath.ToSlash(filepath.Clean(pkg))))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	if runtime.GOOS == "windows" && !strings.HasSuffix(name, ".exe") {
		name += ".exe"
	}
	out := filepath.Join(dir, name)

	unlock, err := lockedfile.MutexAt(filepath.Join(dir, ".lock")).Lock()
	if err != nil {
		return "", fmt.Errorf("build %s: lock: %w", pkg, err)
	}
	defer unlock()

	cmd := exec.Command("go", "build", "-tags", tags, "-o", out, ".")
	cmd.Dir = filepath.Join(root, filepath.FromSlash(pkg))
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build -tags %q %s: %v\n%s", tags, pkg, err, b)
	}
	return out, nil
}

// binDir is the directory the binaries of the checkout at root are built
// in: one per user and checkout, so two checkouts never share binaries.
func binDir(root string) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(os.Getuid()) + "\x00" + root))
	return filepath.Join(os.TempDir(), "pakyas-test-bin-"+hex.EncodeToString(sum[:6]))
}
