// Package files is a test helper apart from internal/testutil, which
// imports the server and the stores: their own tests use it too.
package files

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Snapshot is every file of dir: its mode and its bytes, by name, so that
// a test can show an operation left the directory as it was.
func Snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range es {
		fi, err := e.Info()
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = fi.Mode().String() + " " + string(b)
	}
	return out
}
