package main

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/urfave/cli/v3"
)

// scope is the organization and project a check command works in.
type scope struct {
	client  *api.Client
	s       *settings
	org     *api.Org
	project *api.Project
}

func (e *env) scope(ctx context.Context, cmd *cli.Command) (*scope, error) {
	s, c, m, err := e.account(ctx, cmd)
	if err != nil {
		return nil, err
	}
	org, p, err := s.selectProject(m)
	if err != nil {
		return nil, err
	}
	return &scope{client: c, s: s, org: org, project: p}, nil
}

// check returns the check ref (slug, ID or public ID) in the scope's
// project, with its recent signals and timeline.
func (sc *scope) check(ctx context.Context, ref string) (*api.Check, error) {
	ch, err := sc.client.CheckBySlug(ctx, sc.project.ID, ref)
	if api.IsStatus(err, 404) {
		return nil, resolve.NotFound(ref, sc.project.Name)
	}
	if err != nil {
		return nil, sc.s.apiErr(err)
	}
	return ch, nil
}

// scopedCheck resolves a check command's SLUG argument in its scope: the
// common start of show, pause, resume and delete.
func (e *env) scopedCheck(ctx context.Context, cmd *cli.Command) (*scope, *api.Check, error) {
	slug, err := slugArg(cmd)
	if err != nil {
		return nil, nil, err
	}
	sc, err := e.scope(ctx, cmd)
	if err != nil {
		return nil, nil, err
	}
	ch, err := sc.check(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	return sc, ch, nil
}

// slugArg returns the single SLUG argument of a check command.
func slugArg(cmd *cli.Command) (string, error) {
	switch cmd.Args().Len() {
	case 1:
		// A slug, or the check's ID or public ID (a UUID); anything else
		// is a command-line mistake, not a question for the server.
		arg := cmd.Args().First()
		if err := core.SlugError(arg); err != nil && uuid.Validate(arg) != nil {
			return "", usagef("%v, or the check's public ID", err)
		}
		return arg, nil
	case 0:
		return "", usagef("missing check slug: e.g. 'pakyas %s my-job'", strings.TrimPrefix(cmd.FullName(), "pakyas "))
	}
	return "", usagef("too many arguments %q: give one check slug (flags may follow it)", cmd.Args().Slice())
}
