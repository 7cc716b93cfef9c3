package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/alert"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/urfave/cli/v3"
)

func channelCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "channel",
		Usage: "manage the alert channels (webhook, Slack, email, Discord, Teams, ntfy, PagerDuty, ...) of the selected organization",
		UsageText: `pakyas channel add | list | remove | test | kinds

Examples:
  pakyas channel add slack https://hooks.slack.com/services/T000/B000/XXXX --name ops
  pakyas channel test ops`,
		Action: groupAction,
		Commands: []*cli.Command{
			{
				Name:  "add",
				Usage: "add an alert channel: KIND and its TARGET (pakyas channel kinds lists them)",
				UsageText: `pakyas channel add KIND TARGET [--name NAME]

KIND is one of 'pakyas channel kinds' (webhook, slack, email, discord,
mattermost, teams, ntfy, pagerduty); TARGET is what that kind needs: a URL,
an email address, an integration key.

Examples:
  pakyas channel add webhook https://example.com/pakyas-alerts --name ops-webhook
  pakyas channel add email oncall@example.com`,
				Flags: []cli.Flag{&cli.StringFlag{Name: "name", Usage: "a name to refer to the channel by (default: the kind)"},
					&cli.StringSliceFlag{Name: "set", Usage: "a setting of the kind, key=value (repeatable), e.g. --set token=123:ABC for telegram; pakyas channel kinds lists them"}},
				Action: e.channelAdd,
			},
			leaf("kinds", "list the kinds of alert channel, with what each TARGET is",
				"pakyas channel kinds\n\nExample:\n  pakyas channel kinds",
				e.channelKinds),
			leaf("list,ls", "list the organization's alert channels",
				"pakyas channel list\n\nExample:\n  pakyas channel list --format json",
				e.channelList),
			{
				Name:      "remove",
				Aliases:   []string{"rm"},
				Usage:     "remove an alert channel, by name or ID",
				UsageText: "pakyas channel remove NAME|ID\n\nExample:\n  pakyas channel remove ops-webhook",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return e.channelAction(ctx, cmd, false)
				},
			},
			{
				Name:      "test",
				Usage:     "send a test alert through a channel, by name or ID",
				UsageText: "pakyas channel test NAME|ID\n\nExample:\n  pakyas channel test ops-webhook",
				Action: func(ctx context.Context, cmd *cli.Command) error {
					return e.channelAction(ctx, cmd, true)
				},
			},
		},
	}
}

// orgScope returns an authenticated client and the selected organization.
func (e *env) orgScope(ctx context.Context, cmd *cli.Command) (*api.Client, *settings, *api.Org, error) {
	s, c, m, err := e.account(ctx, cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	org, err := s.selectOrg(m)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, s, org, nil
}

func (e *env) channelAdd(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 2 {
		return usagef("give the kind and the target: pakyas channel add KIND TARGET (pakyas channel kinds lists them)")
	}
	in, err := api.NewChannelInput(cmd.Args().Get(0), cmd.Args().Get(1), cmd.String("name"))
	if err != nil {
		return usagef("%v", err)
	}
	for _, kv := range cmd.StringSlice("set") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return usagef("--set %q: want key=value, e.g. --set token=123:ABC", kv)
		}
		if in.Settings == nil {
			in.Settings = map[string]string{}
		}
		in.Settings[strings.TrimSpace(k)] = v
	}
	if _, ok := alert.LookupKind(core.ChannelKind(in.Kind)); !ok {
		return &usageError{msg: fmt.Sprintf("unknown channel kind %q: use one of %s", in.Kind, alert.KindNames()),
			hint: "pakyas channel kinds lists them, with what each TARGET is"}
	}
	c, s, org, err := e.orgScope(ctx, cmd)
	if err != nil {
		return err
	}
	ch, err := c.CreateChannel(ctx, org.ID, in)
	if err != nil {
		return s.apiErr(err)
	}
	return e.output(s).show(ch, func(o *output) {
		o.printf("Added %s channel %q to organization %q (%s).\n", ch.Kind, ch.Name, org.Name, ch.ID)
		if ch.Secret != "" {
			o.printf("Signing secret (shown only now, store it to verify the webhook-signature header): %s\n", ch.Secret)
		}
		o.printf("Try it: pakyas channel test %q\n", ch.Name)
	})
}

func (e *env) channelList(ctx context.Context, cmd *cli.Command) error {
	c, s, org, err := e.orgScope(ctx, cmd)
	if err != nil {
		return err
	}
	chs, err := c.Channels(ctx, org.ID)
	if err != nil {
		return s.apiErr(err)
	}
	o := e.output(s)
	if o.json {
		if chs == nil {
			chs = []api.Channel{}
		}
		return o.JSON(chs)
	}
	if len(chs) == 0 {
		o.printf("No alert channels in organization %q. Add one:\n  pakyas channel add email you@example.com\n", org.Name)
		return nil
	}
	t := &console.Table{Head: []string{"NAME", "KIND", "TARGET", "ID"}}
	for _, ch := range chs {
		t.AddText(ch.Name, ch.Kind, ch.Target, ch.ID)
	}
	o.table(t)
	return nil
}

// channelAction removes or tests the channel named by the argument.
func (e *env) channelAction(ctx context.Context, cmd *cli.Command, test bool) error {
	ref, err := oneArg(cmd, "channel name or ID")
	if err != nil {
		return err
	}
	c, s, org, err := e.orgScope(ctx, cmd)
	if err != nil {
		return err
	}
	chs, err := c.Channels(ctx, org.ID)
	if err != nil {
		return s.apiErr(err)
	}
	ch, err := resolve.One(chs, func(ch api.Channel) bool { return resolve.Matches(ref, ch.ID, ch.Name) },
		"channel", ref, fmt.Sprintf("in organization %q", org.Name), "pakyas channel list")
	if err != nil {
		return err
	}
	o := e.output(s)
	if test {
		st, err := c.TestChannel(ctx, ch.ID)
		if err != nil {
			return s.apiErr(err)
		}
		if o.json {
			if err := o.JSON(st); err != nil {
				return err
			}
		} else if st.OK {
			o.printf("Sent a test alert through %s channel %q.\n", ch.Kind, ch.Name)
		}
		if !st.OK {
			return withCode(exitError, fmt.Sprintf("test alert through %q failed: %s", ch.Name, st.Message), "check the channel's target: pakyas channel list")
		}
		return nil
	}
	if err := c.DeleteChannel(ctx, ch.ID); err != nil {
		return s.apiErr(err)
	}
	if o.json {
		return o.JSON(map[string]any{"removed": true, "id": ch.ID, "name": ch.Name})
	}
	o.printf("Removed channel %q.\n", ch.Name)
	return nil
}

// channelKinds lists the channel kinds of the registry (core/alert).
func (e *env) channelKinds(ctx context.Context, cmd *cli.Command) error {
	type kind struct {
		Kind     string            `json:"kind"`
		Target   string            `json:"target"`
		Example  string            `json:"example"`
		Settings map[string]string `json:"settings,omitempty"` // key: description
	}
	var out []kind
	for _, k := range alert.Kinds() {
		kk := kind{Kind: string(k.Name), Target: k.Target, Example: k.Example}
		for _, s := range k.Settings {
			if kk.Settings == nil {
				kk.Settings = map[string]string{}
			}
			d := s.Description
			if s.Required {
				d += " (required)"
			}
			kk.Settings[s.Key] = d
		}
		out = append(out, kk)
	}
	s, err := e.settings(cmd)
	if err != nil {
		return err
	}
	return e.output(s).show(out, func(o *output) {
		t := &console.Table{Head: []string{"KIND", "TARGET", "SETTINGS (--set key=value)"}}
		for _, k := range out {
			var sets []string
			for key, d := range k.Settings {
				sets = append(sets, key+": "+d)
			}
			slices.Sort(sets)
			t.AddText(k.Kind, k.Target, console.OrDash(strings.Join(sets, "; ")))
		}
		o.table(t)
		o.printf("Add one: pakyas channel add KIND TARGET --name NAME\n")
	})
}
