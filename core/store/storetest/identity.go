package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

func testUsers(t *testing.T, s core.Store) {
	ctx := context.Background()
	n, err := s.CountUsers(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n)

	u := &core.User{ID: id(), Email: "grace@example.com", Name: "Grace Hopper", CreatedAt: at(time.Hour)}
	require.NoError(t, s.CreateUser(ctx, u))
	require.NoError(t, s.CreateUser(ctx, &core.User{ID: id(), Email: "alan@example.com", Name: "Alan", CreatedAt: at(0)}))

	got, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, u, got)

	n, err = s.CountUsers(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	_, err = s.User(ctx, id())
	requireCode(t, core.ENOTFOUND, err)
	requireCode(t, core.ECONFLICT, s.CreateUser(ctx, &core.User{ID: u.ID, Email: "x@example.com", CreatedAt: at(0)}))
}

func testOrgs(t *testing.T, s core.Store) {
	ctx := context.Background()
	u := &core.User{ID: id(), Email: "ada@example.com", Name: "Ada", CreatedAt: at(0)}
	require.NoError(t, s.CreateUser(ctx, u))
	zeta := &core.Org{ID: id(), Name: "Zeta", CreatedAt: at(time.Second)}
	acme := &core.Org{ID: id(), Name: "Acme", CreatedAt: at(2 * time.Second), Slug: "acme-inc"}
	other := &core.Org{ID: id(), Name: "Other", CreatedAt: at(3 * time.Second)}
	for _, o := range []*core.Org{zeta, acme, other} {
		require.NoError(t, s.CreateOrg(ctx, o))
	}
	requireCode(t, core.ECONFLICT, s.CreateOrg(ctx, &core.Org{ID: acme.ID, Name: "Again", CreatedAt: at(0)}))

	orgs, err := s.OrgsForUser(ctx, u.ID)
	require.NoError(t, err)
	assert.Empty(t, orgs)

	require.NoError(t, s.AddMember(ctx, zeta.ID, u.ID, core.RoleMember))
	require.NoError(t, s.AddMember(ctx, acme.ID, u.ID, core.RoleMember))
	// Adding a member again changes the role, and adds no second membership.
	require.NoError(t, s.AddMember(ctx, acme.ID, u.ID, core.RoleOwner))

	orgs, err = s.OrgsForUser(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, []core.Org{*acme, *zeta}, orgs, "by name")

	requireCode(t, core.ENOTFOUND, s.AddMember(ctx, id(), u.ID, core.RoleOwner))
	requireCode(t, core.ENOTFOUND, s.AddMember(ctx, acme.ID, id(), core.RoleOwner))
}

func testProjects(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	api := &core.Project{ID: id(), OrgID: f.org.ID, Name: "api", CreatedAt: at(time.Hour), Slug: "the-api", BadgeKey: "b" + id()[:8]}
	require.NoError(t, s.CreateProject(ctx, api))

	got, err := s.Project(ctx, api.ID)
	require.NoError(t, err)
	assert.Equal(t, api, got)

	ps, err := s.Projects(ctx, f.org.ID)
	require.NoError(t, err)
	assert.Equal(t, []core.Project{*api, *f.project}, ps, "by name")

	ps, err = s.Projects(ctx, id())
	require.NoError(t, err)
	assert.Empty(t, ps)

	_, err = s.Project(ctx, id())
	requireCode(t, core.ENOTFOUND, err)
	requireCode(t, core.ECONFLICT, s.CreateProject(ctx, &core.Project{ID: api.ID, OrgID: f.org.ID, Name: "x", CreatedAt: at(0)}))
	requireCode(t, core.ENOTFOUND, s.CreateProject(ctx, &core.Project{ID: id(), OrgID: id(), Name: "orphan", CreatedAt: at(0)}))
}

func testPingKeys(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	other := &core.Project{ID: id(), OrgID: f.org.ID, Name: "other", CreatedAt: at(0)}
	require.NoError(t, s.CreateProject(ctx, other))
	_, err := s.ProjectByPingKey(ctx, "")
	requireCode(t, core.ENOTFOUND, err) // no key is no project's

	require.NoError(t, s.SetPingKey(ctx, f.project.ID, "key-one"))
	got, err := s.ProjectByPingKey(ctx, "key-one")
	require.NoError(t, err)
	assert.Equal(t, f.project.ID, got.ID)
	assert.Equal(t, "key-one", got.PingKey)
	p, err := s.Project(ctx, f.project.ID)
	require.NoError(t, err)
	assert.Equal(t, "key-one", p.PingKey)

	requireCode(t, core.ECONFLICT, s.SetPingKey(ctx, other.ID, "key-one")) // one project per key
	requireCode(t, core.ENOTFOUND, s.SetPingKey(ctx, id(), "key-two"))
	require.NoError(t, s.SetPingKey(ctx, f.project.ID, "key-two"))
	_, err = s.ProjectByPingKey(ctx, "key-one")
	requireCode(t, core.ENOTFOUND, err) // the old key no longer works
	require.NoError(t, s.SetPingKey(ctx, f.project.ID, ""))
	_, err = s.ProjectByPingKey(ctx, "key-two")
	requireCode(t, core.ENOTFOUND, err)
}

func testAPIKeys(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	older := &core.APIKey{ID: id(), UserID: f.user.ID, Name: "laptop", Hash: "hash-older", Hint: "pk_live_ab", CreatedAt: at(time.Hour)}
	newer := &core.APIKey{ID: id(), UserID: f.user.ID, Name: "ci", Hash: "hash-newer", Hint: "pk_live_cd", CreatedAt: at(2 * time.Hour)}
	require.NoError(t, s.CreateAPIKey(ctx, older))
	require.NoError(t, s.CreateAPIKey(ctx, newer))

	got, err := s.APIKeyByHash(ctx, older.Hash)
	require.NoError(t, err)
	assert.Equal(t, older, got)
	assert.False(t, got.Revoked())

	keys, err := s.APIKeys(ctx, f.user.ID)
	require.NoError(t, err)
	assert.Equal(t, []core.APIKey{*newer, *older}, keys, "newest first")

	// Revoking sets RevokedAt; revoking again keeps the first time.
	require.NoError(t, s.RevokeAPIKey(ctx, older.ID, at(3*time.Hour)))
	require.NoError(t, s.RevokeAPIKey(ctx, older.ID, at(4*time.Hour)))
	got, err = s.APIKeyByHash(ctx, older.Hash)
	require.NoError(t, err, "a revoked key is still found by hash")
	assert.True(t, got.Revoked())
	assert.Equal(t, at(3*time.Hour), got.RevokedAt)
	got, err = s.APIKeyByHash(ctx, newer.Hash)
	require.NoError(t, err)
	assert.False(t, got.Revoked(), "other keys stay valid")

	_, err = s.APIKeyByHash(ctx, "no-such-hash")
	requireCode(t, core.ENOTFOUND, err)
	requireCode(t, core.ENOTFOUND, s.RevokeAPIKey(ctx, id(), at(0)))
	requireCode(t, core.ECONFLICT, s.CreateAPIKey(ctx, &core.APIKey{ID: id(), UserID: f.user.ID, Name: "dup", Hash: older.Hash, CreatedAt: at(0)}))
	requireCode(t, core.ENOTFOUND, s.CreateAPIKey(ctx, &core.APIKey{ID: id(), UserID: id(), Name: "orphan", Hash: "h", CreatedAt: at(0)}))

	keys, err = s.APIKeys(ctx, id())
	require.NoError(t, err)
	assert.Empty(t, keys)
}

// testWebTokens: a sign-in link is used once, and not after it expires;
// sessions are found by hash, deleted at sign-out and pruned when expired.
func testWebTokens(t *testing.T, s core.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	link := &core.WebToken{Hash: "link-hash", Kind: core.WebSignInLink, UserID: f.user.ID, CreatedAt: at(0), ExpiresAt: at(10 * time.Minute)}
	require.NoError(t, s.CreateWebToken(ctx, link))
	requireCode(t, core.ECONFLICT, s.CreateWebToken(ctx, link))
	requireCode(t, core.ENOTFOUND, s.CreateWebToken(ctx, &core.WebToken{Hash: "x", Kind: core.WebSession, UserID: id(), ExpiresAt: at(time.Hour)}))

	got, err := s.WebToken(ctx, "link-hash")
	require.NoError(t, err)
	assert.Equal(t, link, got)
	_, err = s.WebToken(ctx, "nope")
	requireCode(t, core.ENOTFOUND, err)

	ok, err := s.UseWebToken(ctx, "link-hash", at(10*time.Minute))
	require.NoError(t, err)
	assert.False(t, ok, "expired at its expiry")
	ok, err = s.UseWebToken(ctx, "link-hash", at(time.Minute))
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = s.UseWebToken(ctx, "link-hash", at(2*time.Minute))
	require.NoError(t, err)
	assert.False(t, ok, "used once")
	got, err = s.WebToken(ctx, "link-hash")
	require.NoError(t, err)
	assert.True(t, at(time.Minute).Equal(got.UsedAt))

	session := &core.WebToken{Hash: "session-hash", Kind: core.WebSession, UserID: f.user.ID, CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	require.NoError(t, s.CreateWebToken(ctx, session))
	n, err := s.PruneWebTokens(ctx, at(30*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "the expired link")
	_, err = s.WebToken(ctx, "session-hash")
	require.NoError(t, err)
	require.NoError(t, s.DeleteWebToken(ctx, "session-hash"))
	require.NoError(t, s.DeleteWebToken(ctx, "session-hash"))
	_, err = s.WebToken(ctx, "session-hash")
	requireCode(t, core.ENOTFOUND, err)
}
