package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/pakyas/pakyas/core"
)

const (
	apiKeyColumns   = `id, user_id, name, hash, hint, created_at, revoked_at`
	sqlCreateAPIKey = `INSERT INTO api_keys (` + apiKeyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?)`
	sqlAPIKeyByHash = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = ?`
	sqlAPIKeys      = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE user_id = ?
		ORDER BY created_at DESC, id DESC`
	// The first revocation time stays: revoking twice changes nothing.
	sqlRevokeAPIKey = `UPDATE api_keys
		SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END
		WHERE id = ?`
)

// CreateAPIKey inserts k; ECONFLICT when its ID or hash is taken, ENOTFOUND
// when its user does not exist.
func (q *queries) CreateAPIKey(ctx context.Context, k *core.APIKey) error {
	_, err := q.exec(ctx, sqlCreateAPIKey, k.ID, k.UserID, k.Name, k.Hash, k.Hint,
		nanos(k.CreatedAt), nanos(k.RevokedAt))
	if err != nil {
		return q.writeErr("create api key", err, "api key already exists",
			fmt.Sprintf("user %q not found", k.UserID))
	}
	return nil
}

// APIKeyByHash returns the key with the given hash, revoked or not.
func (q *queries) APIKeyByHash(ctx context.Context, hash string) (*core.APIKey, error) {
	var k core.APIKey
	if err := scanAPIKey(q.queryRow(ctx, sqlAPIKeyByHash, hash), &k); err != nil {
		return nil, lookupErr("get api key", "api key", err)
	}
	return &k, nil
}

// APIKeys returns userID's keys, newest first.
func (q *queries) APIKeys(ctx context.Context, userID string) ([]core.APIKey, error) {
	ks, err := list(ctx, q, sqlAPIKeys, scanAPIKey, userID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return ks, nil
}

// RevokeAPIKey marks the key revoked at the given time, unless it already
// is; ENOTFOUND when there is no such key, EINVALID for the zero time (which
// would leave the key valid).
func (q *queries) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return core.Errorf(core.EINVALID, "revoke api key: no revocation time")
	}
	res, err := q.exec(ctx, sqlRevokeAPIKey, nanos(at), id)
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	return affected("revoke api key", "api key", res)
}

func scanAPIKey(s scanner, k *core.APIKey) error {
	var created, revoked int64
	if err := s.Scan(&k.ID, &k.UserID, &k.Name, &k.Hash, &k.Hint, &created, &revoked); err != nil {
		return err
	}
	k.CreatedAt = fromNanos(created)
	k.RevokedAt = fromNanos(revoked)
	return nil
}
