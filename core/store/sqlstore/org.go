package sqlstore

import (
	"context"
	"fmt"

	"github.com/pakyas/pakyas/core"
)

const (
	sqlCreateOrg = `INSERT INTO orgs (id, name, created_at, slug) VALUES (?, ?, ?, NULLIF(?, ''))`
	sqlAddMember = `INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, ?)
		ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role`
	sqlOrgsForUser = `SELECT o.id, o.name, o.created_at, COALESCE(o.slug, '') FROM orgs o
		JOIN memberships m ON m.org_id = o.id
		WHERE m.user_id = ? ORDER BY o.name, o.id`
)

// CreateOrg inserts o; ECONFLICT when its ID is taken.
func (q *queries) CreateOrg(ctx context.Context, o *core.Org) error {
	_, err := q.exec(ctx, sqlCreateOrg, o.ID, o.Name, nanos(o.CreatedAt), o.Slug)
	if err != nil {
		return q.writeErr("create org", err, fmt.Sprintf("org %q already exists", o.ID), "")
	}
	return nil
}

// AddMember makes userID a member of orgID with role, or changes the role
// of a member; ENOTFOUND when either does not exist.
func (q *queries) AddMember(ctx context.Context, orgID, userID, role string) error {
	_, err := q.exec(ctx, sqlAddMember, orgID, userID, role)
	if err != nil {
		return q.writeErr("add member", err, "", fmt.Sprintf("org %q or user %q not found", orgID, userID))
	}
	return nil
}

// OrgsForUser returns the organizations userID belongs to, by name.
func (q *queries) OrgsForUser(ctx context.Context, userID string) ([]core.Org, error) {
	orgs, err := list(ctx, q, sqlOrgsForUser, scanOrg, userID)
	if err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	return orgs, nil
}

func scanOrg(s scanner, o *core.Org) error {
	var created int64
	if err := s.Scan(&o.ID, &o.Name, &created, &o.Slug); err != nil {
		return err
	}
	o.CreatedAt = fromNanos(created)
	return nil
}
