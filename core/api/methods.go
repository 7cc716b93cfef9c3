package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

func esc(s string) string { return url.PathEscape(s) }

// Me returns the caller, its key and its organizations with their projects.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var m Me
	return &m, c.do(ctx, http.MethodGet, "/me", nil, nil, &m)
}

// Orgs lists the caller's organizations.
func (c *Client) Orgs(ctx context.Context) ([]Org, error) {
	var v []Org
	return v, c.do(ctx, http.MethodGet, "/orgs", nil, nil, &v)
}

// CreateOrg creates an organization with the caller as its owner.
func (c *Client) CreateOrg(ctx context.Context, name, slug string) (*Org, error) {
	var v Org
	return &v, c.do(ctx, http.MethodPost, "/orgs", nil, NameInput{Name: name, Slug: slug}, &v)
}

// Projects lists the projects of an organization.
func (c *Client) Projects(ctx context.Context, orgID string) ([]Project, error) {
	var v []Project
	return v, c.do(ctx, http.MethodGet, "/orgs/"+esc(orgID)+"/projects", nil, nil, &v)
}

// CreateProject creates a project in an organization.
func (c *Client) CreateProject(ctx context.Context, orgID, name, slug string) (*Project, error) {
	var v Project
	return &v, c.do(ctx, http.MethodPost, "/orgs/"+esc(orgID)+"/projects", nil, NameInput{Name: name, Slug: slug}, &v)
}

// Checks lists the checks of a project.
func (c *Client) Checks(ctx context.Context, projectID string) ([]Check, error) {
	var v []Check
	return v, c.do(ctx, http.MethodGet, "/projects/"+esc(projectID)+"/checks", nil, nil, &v)
}

// CreateCheck creates a check in a project.
func (c *Client) CreateCheck(ctx context.Context, projectID string, in CheckInput) (*Check, error) {
	var v Check
	return &v, c.do(ctx, http.MethodPost, "/projects/"+esc(projectID)+"/checks", nil, in, &v)
}

// CheckBySlug returns a check of a project by its slug (or ID or public ID),
// with its recent signals and timeline.
func (c *Client) CheckBySlug(ctx context.Context, projectID, slug string) (*Check, error) {
	var v Check
	return &v, c.do(ctx, http.MethodGet, "/projects/"+esc(projectID)+"/checks/"+esc(slug), nil, nil, &v)
}

// Check returns a check by its ID or public ID, with its recent signals and
// timeline.
func (c *Client) Check(ctx context.Context, ref string) (*Check, error) {
	var v Check
	return &v, c.do(ctx, http.MethodGet, "/checks/"+esc(ref), nil, nil, &v)
}

// UpdateCheck changes the fields of a check present in in.
func (c *Client) UpdateCheck(ctx context.Context, ref string, in CheckInput) (*Check, error) {
	var v Check
	return &v, c.do(ctx, http.MethodPatch, "/checks/"+esc(ref), nil, in, &v)
}

// DeleteCheck deletes a check with its timeline.
func (c *Client) DeleteCheck(ctx context.Context, ref string) error {
	return c.do(ctx, http.MethodDelete, "/checks/"+esc(ref), nil, nil, nil)
}

// PauseCheck pauses a check until it is resumed.
func (c *Client) PauseCheck(ctx context.Context, ref string) (*Check, error) {
	return c.PauseCheckWith(ctx, ref, PauseInput{})
}

// PauseCheckWith pauses a check, for a while (in.For, in.Until) and with a
// reason.
func (c *Client) PauseCheckWith(ctx context.Context, ref string, in PauseInput) (*Check, error) {
	var v Check
	return &v, c.do(ctx, http.MethodPost, "/checks/"+esc(ref)+"/pause", nil, in, &v)
}

// PauseProject pauses every check of a project (a deploy window).
func (c *Client) PauseProject(ctx context.Context, projectID string, in PauseInput) (*PauseResult, error) {
	var v PauseResult
	return &v, c.do(ctx, http.MethodPost, "/projects/"+esc(projectID)+"/pause", nil, in, &v)
}

// ResumeProject resumes every paused check of a project.
func (c *Client) ResumeProject(ctx context.Context, projectID string) (*PauseResult, error) {
	var v PauseResult
	return &v, c.do(ctx, http.MethodPost, "/projects/"+esc(projectID)+"/resume", nil, nil, &v)
}

// ResumeCheck resumes a paused check.
func (c *Client) ResumeCheck(ctx context.Context, ref string) (*Check, error) {
	var v Check
	return &v, c.do(ctx, http.MethodPost, "/checks/"+esc(ref)+"/resume", nil, nil, &v)
}

// Timeline returns a page of a check's timeline, newest first. before is
// the NextCursor of the previous page ("" for the first).
func (c *Client) Timeline(ctx context.Context, ref, before string, limit int) (*TimelinePage, error) {
	q := url.Values{}
	if before != "" {
		q.Set("before", before)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var v TimelinePage
	return &v, c.do(ctx, http.MethodGet, "/checks/"+esc(ref)+"/timeline", q, nil, &v)
}

// Channels lists an organization's alert channels.
func (c *Client) Channels(ctx context.Context, orgID string) ([]Channel, error) {
	var v []Channel
	return v, c.do(ctx, http.MethodGet, "/orgs/"+esc(orgID)+"/channels", nil, nil, &v)
}

// CreateChannel adds an alert channel to an organization.
func (c *Client) CreateChannel(ctx context.Context, orgID string, in ChannelInput) (*Channel, error) {
	var v Channel
	return &v, c.do(ctx, http.MethodPost, "/orgs/"+esc(orgID)+"/channels", nil, in, &v)
}

// DeleteChannel removes an alert channel.
func (c *Client) DeleteChannel(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/channels/"+esc(id), nil, nil, nil)
}

// TestChannel sends a test alert through a channel and reports the outcome.
func (c *Client) TestChannel(ctx context.Context, id string) (*Status, error) {
	var v Status
	return &v, c.do(ctx, http.MethodPost, "/channels/"+esc(id)+"/test", nil, nil, &v)
}

// Keys lists the caller's API keys (never their secrets).
func (c *Client) Keys(ctx context.Context) ([]APIKey, error) {
	var v []APIKey
	return v, c.do(ctx, http.MethodGet, "/keys", nil, nil, &v)
}

// CreateKey creates an API key; the answer's Key is the only time the
// secret is shown.
func (c *Client) CreateKey(ctx context.Context, name string) (*APIKey, error) {
	var v APIKey
	return &v, c.do(ctx, http.MethodPost, "/keys", nil, NameInput{Name: name}, &v)
}

// RevokeKey revokes one of the caller's API keys.
func (c *Client) RevokeKey(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/keys/"+esc(id), nil, nil, nil)
}

// timelinePage is how many entries one request of TimelineAll asks for.
const timelinePage = 100

// TimelineAll returns a check's timeline, newest first, page after page:
// all of it, or its newest limit entries when limit > 0.
func (c *Client) TimelineAll(ctx context.Context, ref string, limit int) ([]TimelineEntry, error) {
	entries := []TimelineEntry{}
	for cursor := ""; ; {
		page, err := c.Timeline(ctx, ref, cursor, timelinePage)
		if err != nil {
			return nil, err
		}
		entries = append(entries, page.Entries...)
		if limit > 0 && len(entries) >= limit {
			return entries[:limit], nil
		}
		if page.NextCursor == "" || len(page.Entries) == 0 {
			return entries, nil
		}
		cursor = page.NextCursor
	}
}

// NewPingKey makes a project a new ping key for slug pings
// (/ping/<ping_key>/<slug>), replacing the old one, and returns the project.
func (c *Client) NewPingKey(ctx context.Context, projectID string) (*Project, error) {
	var v Project
	return &v, c.do(ctx, http.MethodPost, "/projects/"+esc(projectID)+"/ping-key", nil, nil, &v)
}

// DashboardLink makes a one-time dashboard sign-in link for the key's user.
func (c *Client) DashboardLink(ctx context.Context) (*DashboardLink, error) {
	var v DashboardLink
	return &v, c.do(ctx, http.MethodPost, "/dashboard/link", nil, nil, &v)
}
