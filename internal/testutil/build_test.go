package testutil

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTagsMatchMakefile: the tests build what `make build` ships.
func TestTagsMatchMakefile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(RepoRoot(t), "Makefile"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^TAGS\s*:?=\s*(.*?)\s*$`).FindSubmatch(b)
	require.NotNil(t, m, "no TAGS := line in the Makefile")
	require.Equal(t, string(m[1]), Tags, "testutil.Tags must equal the Makefile's TAGS")
	m = regexp.MustCompile(`(?m)^LEAN\s*:?=\s*(.*?)\s*$`).FindSubmatch(b)
	require.NotNil(t, m, "no LEAN := line in the Makefile")
	require.Equal(t, string(m[1]), LeanTag, "testutil.LeanTag must equal the Makefile's LEAN")
	m = regexp.MustCompile(`(?m)^HOST\s*:?=\s*(.*?)\s*$`).FindSubmatch(b)
	require.NotNil(t, m, "no HOST := line in the Makefile")
	require.Equal(t, string(m[1]), HostTag, "testutil.HostTag must equal the Makefile's HOST")
}

// TestBuildOnce: a second Build, in this process or another, finds the
// executable up to date and does not relink it.
func TestBuildOnce(t *testing.T) {
	p, err := Build("./core/target/targettest/testdata/stdout", "pakyas-target-stdout")
	require.NoError(t, err)
	before, err := os.Stat(p)
	require.NoError(t, err)

	builtMu.Lock()
	delete(built, "./core/target/targettest/testdata/stdout") // as a fresh process would
	builtMu.Unlock()
	q, err := Build("./core/target/targettest/testdata/stdout", "pakyas-target-stdout")
	require.NoError(t, err)
	require.Equal(t, p, q)
	after, err := os.Stat(q)
	require.NoError(t, err)
	// A relink writes a new file and renames it into place; `go build`
	// only touches an up-to-date one.
	require.True(t, os.SameFile(before, after), "the up-to-date executable was rebuilt")
}
