package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/internal/testutil/files"
)

// seeded returns the path of a closed database holding one user, whose
// file is 0640, as a careless backup restore might leave it.
func seeded(t *testing.T, schema string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pakyas.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.CreateUser(ctx, &core.User{ID: "u1", Email: "ada@example.com", CreatedAt: time.Unix(1, 0).UTC()}))
	if schema != "" {
		write, _ := s.DB()
		_, err = write.ExecContext(ctx, schema)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	require.NoError(t, os.Chmod(path, 0o640))
	return path
}

// TestOpenReadOnly: the database is read as it is, and its directory is
// left byte for byte and mode for mode as it was.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := seeded(t, "")
	before := files.Snapshot(t, filepath.Dir(path))

	s, err := OpenReadOnly(ctx, path)
	require.NoError(t, err)
	u, err := s.User(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", u.Email)
	assert.Error(t, s.CreateUser(ctx, &core.User{ID: "u2", Email: "b@example.com"}), "read only")
	require.NoError(t, s.Close())

	assert.Equal(t, before, files.Snapshot(t, filepath.Dir(path)))

	_, err = OpenReadOnly(ctx, filepath.Join(t.TempDir(), "none.db"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestOpenReadOnlySchema: a database of an older or a newer Pakyas is
// refused, and not migrated.
func TestOpenReadOnlySchema(t *testing.T) {
	for name, tc := range map[string]struct {
		schema string
		want   error
	}{
		"older": {"DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)", ErrOlderSchema},
		"newer": {"INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)", ErrNewerSchema},
	} {
		t.Run(name, func(t *testing.T) {
			path := seeded(t, tc.schema)
			before := files.Snapshot(t, filepath.Dir(path))
			_, err := OpenReadOnly(context.Background(), path)
			assert.ErrorIs(t, err, tc.want)
			assert.Equal(t, before, files.Snapshot(t, filepath.Dir(path)))
		})
	}
	t.Run("empty file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pakyas.db")
		require.NoError(t, os.WriteFile(path, nil, 0o600))
		_, err := OpenReadOnly(context.Background(), path)
		assert.ErrorIs(t, err, ErrOlderSchema)
	})
}

// TestOpenReadOnlyInUse: OpenReadOnly and Open keep each other out, so a
// copy never reads a database a server is writing.
func TestOpenReadOnlyInUse(t *testing.T) {
	ctx := context.Background()
	path := seeded(t, "")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	_, err = OpenReadOnly(ctx, path)
	assert.ErrorIs(t, err, ErrInUse)
	require.NoError(t, s.Close())

	ro, err := OpenReadOnly(ctx, path)
	require.NoError(t, err)
	_, err = Open(ctx, path)
	assert.True(t, errors.Is(err, ErrInUse), "%v", err)
	require.NoError(t, ro.Close())

	s, err = Open(ctx, path)
	require.NoError(t, err, "Close released the lock")
	require.NoError(t, s.Close())
}

// TestOpenReadOnlyReadsLog: rows committed to the write-ahead log but
// not yet to the database file (a server that crashed) are read too.
func TestOpenReadOnlyReadsLog(t *testing.T) {
	ctx := context.Background()
	path := seeded(t, "")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.CreateUser(ctx, &core.User{ID: "u2", Email: "bob@example.com", CreatedAt: time.Unix(2, 0).UTC()}))
	// What a crash leaves: the files as they are now, with no server.
	crashed := filepath.Join(t.TempDir(), "pakyas.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(path + suffix)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(crashed+suffix, b, 0o600))
	}
	wal, err := os.Stat(crashed + "-wal")
	require.NoError(t, err)
	require.NotZero(t, wal.Size(), "the new row is in the log")

	ro, err := OpenReadOnly(ctx, crashed)
	require.NoError(t, err)
	defer ro.Close()
	u, err := ro.User(ctx, "u2")
	require.NoError(t, err)
	assert.Equal(t, "bob@example.com", u.Email)
}
