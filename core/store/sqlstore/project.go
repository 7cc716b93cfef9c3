package sqlstore

import (
	"context"
	"fmt"

	"github.com/pakyas/pakyas/core"
)

const (
	projectColumns   = `id, org_id, name, created_at, COALESCE(ping_key, ''), COALESCE(slug, ''), COALESCE(badge_key, '')`
	sqlCreateProject = `INSERT INTO projects (id, org_id, name, created_at, ping_key, slug, badge_key)
		VALUES (?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''))`
	sqlProjectByBadgeKey = `SELECT ` + projectColumns + ` FROM projects WHERE badge_key = ?`
	sqlProject           = `SELECT ` + projectColumns + ` FROM projects WHERE id = ?`
	sqlProjects          = `SELECT ` + projectColumns + ` FROM projects WHERE org_id = ? ORDER BY name, id`
	sqlProjectByKey      = `SELECT ` + projectColumns + ` FROM projects WHERE ping_key = ?`
	sqlSetPingKey        = `UPDATE projects SET ping_key = NULLIF(?, '') WHERE id = ?`
)

// CreateProject inserts p; ECONFLICT when its ID is taken, ENOTFOUND when
// its org does not exist.
func (q *queries) CreateProject(ctx context.Context, p *core.Project) error {
	_, err := q.exec(ctx, sqlCreateProject, p.ID, p.OrgID, p.Name, nanos(p.CreatedAt), p.PingKey, p.Slug, p.BadgeKey)
	if err != nil {
		return q.writeErr("create project", err,
			fmt.Sprintf("project %q already exists", p.ID),
			fmt.Sprintf("org %q not found", p.OrgID))
	}
	return nil
}

// Project returns the project with the given ID.
func (q *queries) Project(ctx context.Context, id string) (*core.Project, error) {
	var p core.Project
	if err := scanProject(q.queryRow(ctx, sqlProject, id), &p); err != nil {
		return nil, lookupErr("get project", "project", err)
	}
	return &p, nil
}

// Projects returns the projects of orgID, by name.
func (q *queries) Projects(ctx context.Context, orgID string) ([]core.Project, error) {
	ps, err := list(ctx, q, sqlProjects, scanProject, orgID)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return ps, nil
}

// ProjectByPingKey returns the project with that ping key.
func (q *queries) ProjectByPingKey(ctx context.Context, key string) (*core.Project, error) {
	var p core.Project
	if key == "" {
		return nil, core.Errorf(core.ENOTFOUND, "project not found")
	}
	if err := scanProject(q.queryRow(ctx, sqlProjectByKey, key), &p); err != nil {
		return nil, lookupErr("get project by ping key", "project", err)
	}
	return &p, nil
}

// ProjectByBadgeKey returns the project with that badge key.
func (q *queries) ProjectByBadgeKey(ctx context.Context, key string) (*core.Project, error) {
	var p core.Project
	if key == "" {
		return nil, core.Errorf(core.ENOTFOUND, "project not found")
	}
	if err := scanProject(q.queryRow(ctx, sqlProjectByBadgeKey, key), &p); err != nil {
		return nil, lookupErr("get project by badge key", "project", err)
	}
	return &p, nil
}

// SetPingKey sets or removes a project's ping key.
func (q *queries) SetPingKey(ctx context.Context, projectID, key string) error {
	res, err := q.exec(ctx, sqlSetPingKey, key, projectID)
	if err != nil {
		return q.writeErr("set ping key", err, "another project has this ping key", "project not found")
	}
	return affected("set ping key", "project", res)
}

func scanProject(s scanner, p *core.Project) error {
	var created int64
	if err := s.Scan(&p.ID, &p.OrgID, &p.Name, &created, &p.PingKey, &p.Slug, &p.BadgeKey); err != nil {
		return err
	}
	p.CreatedAt = fromNanos(created)
	return nil
}
