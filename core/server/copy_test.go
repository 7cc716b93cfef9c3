package server

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
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
