//go:build unix

package external

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckWritersRootsFiles: an executable root owns runs for any user;
// one another user owns does not, and the fix says sudo to a user who is
// not root. (TestVerify cannot tell root's file from the caller's own when
// it runs as root.)
func TestCheckWritersRootsFiles(t *testing.T) {
	const someone = 4242
	sh, err := filepath.EvalSymlinks("/bin/sh")
	require.NoError(t, err)
	fi, err := os.Stat(sh)
	require.NoError(t, err)
	if fi.Sys().(*syscall.Stat_t).Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
		t.Skip("/bin/sh is not root's, or is writable by others, here")
	}
	assert.NoError(t, checkWriters(sh, fi, someone), "root's file, another caller")

	mine := filepath.Join(t.TempDir(), Prefix+"x")
	require.NoError(t, os.WriteFile(mine, []byte("#!/bin/sh\n"), 0o755))
	fi, err = os.Stat(mine)
	require.NoError(t, err)
	owner := int(fi.Sys().(*syscall.Stat_t).Uid)
	if owner == 0 {
		err = checkWriters(mine, fi, someone)
		assert.NoError(t, err, "root's file")
		return
	}
	err = checkWriters(mine, fi, someone)
	assert.True(t, errors.Is(err, ErrOwner), "%v", err)
	assert.Contains(t, err.Error(), "fix it with: sudo chown root ")
}
