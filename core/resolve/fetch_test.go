package resolve_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/cache"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/pakyas/pakyas/internal/testutil"
)

// TestFetcherAgainstAServer: the slug resolver against a real server:
// GET /me, the selection, the project's checks; the server's refusals and
// absence explained.
func TestFetcherAgainstAServer(t *testing.T) {
	srv := testutil.StartServer(t)
	ctx := context.Background()
	c := srv.Client(srv.Key)
	me, err := c.Me(ctx)
	require.NoError(t, err)
	slug, period := "backup", int64(3600)
	ch, err := c.CreateCheck(ctx, me.Orgs[0].Projects[0].ID, api.CheckInput{Slug: &slug, Period: &period})
	require.NoError(t, err)

	cc, err := cache.Load(filepath.Join(t.TempDir(), cache.FileName))
	require.NoError(t, err)
	r := &resolve.Checks{Cache: cc, APIURL: srv.URL, KeyID: config.KeyID(srv.Key), Fetch: resolve.Fetcher(c, config.Setting{}, config.Setting{})}
	ref, err := r.Resolve(ctx, "backup", false)
	require.NoError(t, err)
	assert.Equal(t, resolve.Ref{PublicID: ch.PublicID, Slug: "backup", Project: "Test Project"}, ref)

	_, err = r.Resolve(ctx, "nope", false)
	assert.Equal(t, core.ENOTFOUND, core.ErrorCode(err))
	assert.Equal(t, `Check not found: no check "nope" in project "Test Project"`, core.ErrorText(err))

	bad := &resolve.Checks{APIURL: srv.URL, Fetch: resolve.Fetcher(srv.Client("pk_live_wrong"), config.Setting{}, config.Setting{})}
	_, err = bad.Resolve(ctx, "backup", false)
	assert.Equal(t, core.EUNAUTHORIZED, core.ErrorCode(err))
	assert.False(t, api.Retryable(err))

	other := &resolve.Checks{APIURL: srv.URL, Fetch: resolve.Fetcher(c, config.Setting{}, config.Setting{Value: "Nope", Source: config.FromEnv})}
	_, err = other.Resolve(ctx, "backup", false)
	assert.Equal(t, core.ENOTFOUND, core.ErrorCode(err))
	assert.Contains(t, core.ErrorText(err), `Project "Nope" not found`)

	srv.Stop()
	_, err = (&resolve.Checks{APIURL: srv.URL, Fetch: resolve.Fetcher(c, config.Setting{}, config.Setting{})}).Resolve(ctx, "backup", false)
	assert.Equal(t, core.EUNAVAILABLE, core.ErrorCode(err))
	assert.True(t, api.Retryable(err), "down: worth keeping the signal by slug")
}
