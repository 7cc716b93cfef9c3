package server

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
	"github.com/pakyas/pakyas/internal/testutil/files"
)

// TestCopyToPostgres: a server's data directory is copied, and the key
// it printed works on the copy; no data directory is ENOTFOUND.
func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	dir := t.TempDir()
	_, err := CopyToPostgres(ctx, dir, url)
	assert.Equal(t, core.ENOTFOUND, core.ErrorCode(err), "%v", err)

	st, err := OpenStore(ctx, dir, "", nil)
	require.NoError(t, err)
	key, err := Init(ctx, st, time.Now(), Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	counts, err := CopyToPostgres(ctx, dir, url)
	require.NoError(t, err)
	require.NotEmpty(t, counts)
	assert.Equal(t, postgres.Count{Table: "users", Source: 1, Copied: 1}, counts[0])
	pg, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	defer pg.Close()
	k, err := pg.APIKeyByHash(ctx, HashAPIKey(key))
	require.NoError(t, err, "the key works on the copy")
	assert.False(t, k.Revoked())
}

// TestCopyLeavesDataDir: the data directory is left byte for byte and
// mode for mode as it was; one a server has open, or of another schema,
// is refused, saying what to do, and left alone too.
func TestCopyLeavesDataDir(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	dir := t.TempDir()
	st, err := OpenStore(ctx, dir, "", nil)
	require.NoError(t, err)
	_, err = Init(ctx, st, time.Now(), Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)

	_, err = CopyToPostgres(ctx, dir, url)
	assert.Equal(t, core.EINVALID, core.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "stop the server")
	require.NoError(t, st.Close())

	db := filepath.Join(dir, DBFile)
	require.NoError(t, os.Chmod(db, 0o640)) // as a restore from a backup may leave it
	before := files.Snapshot(t, dir)
	_, err = CopyToPostgres(ctx, dir, url)
	require.NoError(t, err)
	assert.Equal(t, before, files.Snapshot(t, dir))

	// A directory of an older server: not upgraded behind its back.
	raw, err := sql.Open("sqlite", "file:"+db)
	require.NoError(t, err)
	_, err = raw.Exec("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
	require.NoError(t, err)
	require.NoError(t, raw.Close())
	before = files.Snapshot(t, dir)
	_, err = CopyToPostgres(ctx, dir, pgtest.URL(t))
	assert.Equal(t, core.EINVALID, core.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "older")
	assert.Contains(t, err.Error(), "pakyas server --data-dir")
	assert.Equal(t, before, files.Snapshot(t, dir))
}
