package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/pakyas/pakyas/core"
)

const (
	webTokenColumns   = `hash, kind, user_id, created_at, expires_at, used_at`
	sqlCreateWebToken = `INSERT INTO web_tokens (` + webTokenColumns + `) VALUES (?, ?, ?, ?, ?, ?)`
	sqlWebToken       = `SELECT ` + webTokenColumns + ` FROM web_tokens WHERE hash = ?`
	sqlUseWebToken    = `UPDATE web_tokens SET used_at = ? WHERE hash = ? AND used_at = 0 AND expires_at > ?`
	sqlDeleteWebToken = `DELETE FROM web_tokens WHERE hash = ?`
	sqlPruneWebTokens = `DELETE FROM web_tokens WHERE expires_at <= ?`
)

// CreateWebToken inserts t; ENOTFOUND when its user does not exist.
func (q *queries) CreateWebToken(ctx context.Context, t *core.WebToken) error {
	_, err := q.exec(ctx, sqlCreateWebToken, t.Hash, t.Kind, t.UserID, nanos(t.CreatedAt), nanos(t.ExpiresAt), nanos(t.UsedAt))
	return q.writeErr("create web token", err, "web token already exists", fmt.Sprintf("user %q not found", t.UserID))
}

// WebToken returns the token with the given hash.
func (q *queries) WebToken(ctx context.Context, hash string) (*core.WebToken, error) {
	t := new(core.WebToken)
	var created, expires, used int64
	err := q.queryRow(ctx, sqlWebToken, hash).Scan(&t.Hash, &t.Kind, &t.UserID, &created, &expires, &used)
	if err != nil {
		return nil, lookupErr("web token", "web token", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromNanos(created), fromNanos(expires), fromNanos(used)
	return t, nil
}

// UseWebToken marks the token used at now, once: it reports false when it
// was already used, has expired at now, or does not exist.
func (q *queries) UseWebToken(ctx context.Context, hash string, now time.Time) (bool, error) {
	n, err := q.execCount(ctx, sqlUseWebToken, nanos(now), hash, nanos(now))
	if err != nil {
		return false, fmt.Errorf("use web token: %w", err)
	}
	return n == 1, nil
}

// DeleteWebToken deletes the token; deleting a missing one is no error.
func (q *queries) DeleteWebToken(ctx context.Context, hash string) error {
	if _, err := q.exec(ctx, sqlDeleteWebToken, hash); err != nil {
		return fmt.Errorf("delete web token: %w", err)
	}
	return nil
}

// PruneWebTokens deletes the tokens expired at before.
func (q *queries) PruneWebTokens(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.execCount(ctx, sqlPruneWebTokens, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune web tokens: %w", err)
	}
	return n, nil
}
