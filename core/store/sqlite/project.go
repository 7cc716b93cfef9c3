package sqlite

import (
	"context"
	"fmt"

	"github.com/pakyas/pakyas/core"
)

const (
	projectColumns   = `id, org_id, name, created_at`
	sqlCreateProject = `INSERT INTO projects (` + projectColumns + `) VALUES (?, ?, ?, ?)`
	sqlProject       = `SELECT ` + projectColumns + ` FROM projects WHERE id = ?`
	sqlProjects      = `SELECT ` + projectColumns + ` FROM projects WHERE org_id = ? ORDER BY name, id`
)

// CreateProject inserts p; ECONFLICT when its ID is taken, ENOTFOUND when
// its org does not exist.
func (q *queries) CreateProject(ctx context.Context, p *core.Project) error {
	_, err := q.exec(ctx, sqlCreateProject, p.ID, p.OrgID, p.Name, nanos(p.CreatedAt))
	if err != nil {
		return writeErr("create project", err,
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

func scanProject(s scanner, p *core.Project) error {
	var created int64
	if err := s.Scan(&p.ID, &p.OrgID, &p.Name, &created); err != nil {
		return err
	}
	p.CreatedAt = fromNanos(created)
	return nil
}
