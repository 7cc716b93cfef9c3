package sqlstore

import (
	"context"
	"fmt"

	"github.com/pakyas/pakyas/core"
)

const (
	userColumns   = `id, email, name, created_at`
	sqlCreateUser = `INSERT INTO users (` + userColumns + `) VALUES (?, ?, ?, ?)`
	sqlUser       = `SELECT ` + userColumns + ` FROM users WHERE id = ?`
	sqlCountUsers = `SELECT count(*) FROM users`
)

// CreateUser inserts u; ECONFLICT when its ID is taken.
func (q *queries) CreateUser(ctx context.Context, u *core.User) error {
	_, err := q.exec(ctx, sqlCreateUser, u.ID, u.Email, u.Name, nanos(u.CreatedAt))
	if err != nil {
		return q.writeErr("create user", err, fmt.Sprintf("user %q already exists", u.ID), "")
	}
	return nil
}

// User returns the user with the given ID.
func (q *queries) User(ctx context.Context, id string) (*core.User, error) {
	var u core.User
	if err := scanUser(q.queryRow(ctx, sqlUser, id), &u); err != nil {
		return nil, lookupErr("get user", "user", err)
	}
	return &u, nil
}

// CountUsers returns the number of users.
func (q *queries) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := q.queryRow(ctx, sqlCountUsers).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

func scanUser(s scanner, u *core.User) error {
	var created int64
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &created); err != nil {
		return err
	}
	u.CreatedAt = fromNanos(created)
	return nil
}
