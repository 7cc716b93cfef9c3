package main

import (
	"context"
	"strings"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/urfave/cli/v3"
)

func keyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "key",
		Usage: "create, list and revoke your API keys",
		UsageText: `pakyas key create | list | revoke

Examples:
  pakyas key create ci
  pakyas key revoke ci`,
		Action: groupAction,
		Commands: []*cli.Command{
			leaf("create", "create an API key; it is printed once",
				"pakyas key create NAME\n\nExample:\n  pakyas key create github-actions",
				e.keyCreate),
			leaf("list,ls", "list your API keys (never their secrets)",
				"pakyas key list\n\nExample:\n  pakyas key list --format json",
				e.keyList),
			leaf("revoke", "revoke an API key, by name, ID or its first characters",
				"pakyas key revoke NAME|ID|pk_live_xxxx\n\nExample:\n  pakyas key revoke github-actions",
				e.keyRevoke),
		},
	}
}

func (e *env) keyCreate(ctx context.Context, cmd *cli.Command) error {
	name, err := oneArg(cmd, "key name")
	if err != nil {
		return err
	}
	s, c, err := e.loggedIn(cmd)
	if err != nil {
		return err
	}
	k, err := c.CreateKey(ctx, name)
	if err != nil {
		return s.apiErr(err)
	}
	return e.output(s).show(k, func(o *output) {
		o.printf("Created API key %q. It is shown only now, store it:\n%s\n", k.Name, k.Key)
	})
}

func (e *env) keyList(ctx context.Context, cmd *cli.Command) error {
	s, c, err := e.loggedIn(cmd)
	if err != nil {
		return err
	}
	keys, err := c.Keys(ctx)
	if err != nil {
		return s.apiErr(err)
	}
	o := e.output(s)
	if o.json {
		if keys == nil {
			keys = []api.APIKey{}
		}
		return o.JSON(keys)
	}
	t := &console.Table{Head: []string{"NAME", "KEY", "CREATED", "REVOKED", "ID"}}
	for _, k := range keys {
		created := k.CreatedAt
		t.AddText(k.Name, k.Hint+"…", console.Time(&created), console.Time(k.RevokedAt), k.ID)
	}
	o.table(t)
	return nil
}

func (e *env) keyRevoke(ctx context.Context, cmd *cli.Command) error {
	ref, err := oneArg(cmd, "key name or ID")
	if err != nil {
		return err
	}
	s, c, err := e.loggedIn(cmd)
	if err != nil {
		return err
	}
	keys, err := c.Keys(ctx)
	if err != nil {
		return s.apiErr(err)
	}
	k, err := resolve.One(keys, func(k api.APIKey) bool {
		return k.RevokedAt == nil && (resolve.Matches(ref, k.ID, k.Name) || (len(ref) >= len(k.Hint) && strings.HasPrefix(ref, k.Hint)))
	}, "valid API key", ref, "", "pakyas key list")
	if err != nil {
		return err
	}
	if err := c.RevokeKey(ctx, k.ID); err != nil {
		return s.apiErr(err)
	}
	return e.output(s).show(map[string]any{"revoked": true, "id": k.ID, "name": k.Name}, func(o *output) {
		o.printf("Revoked API key %q (%s…).\n", k.Name, k.Hint)
	})
}
