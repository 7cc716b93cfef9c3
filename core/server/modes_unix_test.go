//go:build unix

package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// TestOpenStoreModes (finding 2): the database files are 0600 whatever
// the umask, even when an older version left them 0644; a data directory
// writable by others is refused, one readable by others warned about.
func TestOpenStoreModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(dir, 0o755)) // as `mkdir /var/lib/pakyas` makes it
	var warnings []string
	warn := func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }
	st, err := OpenStore(context.Background(), dir, "", warn)
	require.NoError(t, err)
	require.NoError(t, st.Update(context.Background(), func(q core.Queries) error { return nil }))
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "readable by other users")
	for _, f := range []string{DBFile, DBFile + "-wal", DBFile + "-shm"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), f)
	}
	require.NoError(t, st.Close())

	for _, f := range []string{DBFile, DBFile + "-wal"} {
		_ = os.Chmod(filepath.Join(dir, f), 0o644)
	}
	require.NoError(t, os.Chmod(dir, 0o700))
	warnings = nil
	st, err = OpenStore(context.Background(), dir, "", warn)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	assert.Empty(t, warnings)
	fi, err := os.Stat(filepath.Join(dir, DBFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "an older 0644 file is made private")

	require.NoError(t, os.Chmod(dir, 0o777))
	_, err = OpenStore(context.Background(), dir, "", warn)
	assert.ErrorContains(t, err, "writable by other users")
	assert.Contains(t, core.ErrorHint(err), "chmod 700 "+dir)
}
