//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/internal/testutil"
)

// TestDemoScript runs scripts/demo.sh (make demo) with the built pakyas:
// it ends well, shows the check's status and timeline, and writes no
// terminal escapes into output that is not a terminal.
func TestDemoScript(t *testing.T) {
	cmd := exec.Command(filepath.Join(testutil.RepoRoot(t), "scripts", "demo.sh"))
	cmd.Env = append(os.Environ(), "PAKYAS="+pakyasBin, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	assert.NotContains(t, s, "\x1b", "no ANSI escapes in a pipe")
	for _, want := range []string{"$ pakyas check show", "Timeline", "Failed"} {
		assert.Contains(t, s, want)
	}
	assert.True(t, strings.Count(s, "\n$ ") >= 5, "each step is shown:\n%s", s)
}
