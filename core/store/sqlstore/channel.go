package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pakyas/pakyas/core"
)

const (
	channelColumns   = `id, org_id, name, kind, target, secret, created_at, settings`
	sqlCreateChannel = `INSERT INTO channels (` + channelColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	sqlChannel       = `SELECT ` + channelColumns + ` FROM channels WHERE id = ?`
	sqlChannels      = `SELECT ` + channelColumns + ` FROM channels WHERE org_id = ? ORDER BY name, id`
	sqlDeleteChannel = `DELETE FROM channels WHERE id = ?`
)

// CreateChannel inserts ch; ECONFLICT when its ID is taken, ENOTFOUND when
// its org does not exist.
func (q *queries) CreateChannel(ctx context.Context, ch *core.Channel) error {
	settings := ""
	if len(ch.Settings) > 0 {
		b, err := json.Marshal(ch.Settings)
		if err != nil {
			return fmt.Errorf("create channel: %w", err)
		}
		settings = string(b)
	}
	_, err := q.exec(ctx, sqlCreateChannel, ch.ID, ch.OrgID, ch.Name, string(ch.Kind), ch.Target, ch.Secret, nanos(ch.CreatedAt), settings)
	if err != nil {
		return q.writeErr("create channel", err,
			fmt.Sprintf("channel %q already exists", ch.ID),
			fmt.Sprintf("org %q not found", ch.OrgID))
	}
	return nil
}

// Channel returns the channel with the given ID.
func (q *queries) Channel(ctx context.Context, id string) (*core.Channel, error) {
	var ch core.Channel
	if err := scanChannel(q.queryRow(ctx, sqlChannel, id), &ch); err != nil {
		return nil, lookupErr("get channel", "channel", err)
	}
	return &ch, nil
}

// Channels returns orgID's channels, by name.
func (q *queries) Channels(ctx context.Context, orgID string) ([]core.Channel, error) {
	chs, err := list(ctx, q, sqlChannels, scanChannel, orgID)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return chs, nil
}

// DeleteChannel deletes the channel; its queued alerts go with it (ON
// DELETE CASCADE). ENOTFOUND when there is no such channel.
func (q *queries) DeleteChannel(ctx context.Context, id string) error {
	res, err := q.exec(ctx, sqlDeleteChannel, id)
	if err != nil {
		return fmt.Errorf("delete channel: %w", err)
	}
	return affected("delete channel", "channel", res)
}

func scanChannel(s scanner, ch *core.Channel) error {
	var (
		kind, settings string
		created        int64
	)
	if err := s.Scan(&ch.ID, &ch.OrgID, &ch.Name, &kind, &ch.Target, &ch.Secret, &created, &settings); err != nil {
		return err
	}
	ch.Kind = core.ChannelKind(kind)
	ch.CreatedAt = fromNanos(created)
	if settings != "" {
		if err := json.Unmarshal([]byte(settings), &ch.Settings); err != nil {
			return fmt.Errorf("channel %s: settings: %w", ch.ID, err)
		}
	}
	return nil
}
