package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pakyas/pakyas/core"
)

const (
	alertColumns    = `id, check_id, channel_id, message, state, attempts, next_attempt_at, last_error, created_at, delivered_at`
	sqlEnqueueAlert = `INSERT INTO alerts (check_id, channel_id, message, state, attempts,
		next_attempt_at, last_error, created_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	// alerts_due (state, next_attempt_at) finds the due alerts;
	// alerts_order (channel_id, check_id, state, id) tells whether an
	// older one of the same check and channel is still pending.
	sqlDueAlerts = `SELECT ` + alertColumns + ` FROM alerts AS a
		WHERE state = 'pending' AND next_attempt_at <= ?
		AND (check_id IS NULL OR NOT EXISTS (SELECT 1 FROM alerts AS b
			WHERE b.channel_id = a.channel_id AND b.check_id = a.check_id AND b.state = 'pending' AND b.id < a.id))
		ORDER BY next_attempt_at, id LIMIT ?`
	sqlNextAlertAt = `SELECT next_attempt_at FROM alerts WHERE state = 'pending'
		ORDER BY next_attempt_at LIMIT 1`
	sqlUpdateAlert = `UPDATE alerts SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
		delivered_at = ? WHERE id = ?`
	sqlPruneAlerts = `DELETE FROM alerts WHERE state != 'pending' AND created_at < ?`
)

// EnqueueAlert inserts a into the outbox and sets a.ID. An empty CheckID
// (an alert about no check, such as a channel test) is stored as NULL.
// ENOTFOUND when the check or the channel does not exist.
func (q *queries) EnqueueAlert(ctx context.Context, a *core.Alert) error {
	msg, err := json.Marshal(a.Message)
	if err != nil {
		return fmt.Errorf("enqueue alert: %w", err)
	}
	var checkID any // NULL: about no check
	if a.CheckID != "" {
		checkID = a.CheckID
	}
	id, err := q.insertID(ctx, sqlEnqueueAlert, checkID, a.ChannelID, string(msg), a.State, a.Attempts,
		nanos(a.NextAttemptAt), a.LastError, nanos(a.CreatedAt), nanos(a.DeliveredAt))
	if err != nil {
		return q.writeErr("enqueue alert", err, "",
			fmt.Sprintf("check %q or channel %q not found", a.CheckID, a.ChannelID))
	}
	a.ID = id
	return nil
}

// DueAlerts returns up to limit pending alerts whose NextAttemptAt is not
// after t and that no older pending alert about the same check to the
// same channel goes before, oldest first (by NextAttemptAt, then ID);
// limit <= 0 means no limit.
func (q *queries) DueAlerts(ctx context.Context, t time.Time, limit int) ([]core.Alert, error) {
	as, err := list(ctx, q, sqlDueAlerts, scanAlert, nanos(t), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("due alerts: %w", err)
	}
	return as, nil
}

// NextAlertAt returns the earliest NextAttemptAt of pending alerts, and
// false when there is none.
func (q *queries) NextAlertAt(ctx context.Context) (time.Time, bool, error) {
	var n int64
	if err := q.queryRow(ctx, sqlNextAlertAt).Scan(&n); err != nil {
		if isNoRows(err) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, fmt.Errorf("next alert time: %w", err)
	}
	return fromNanos(n), true, nil
}

// UpdateAlert saves a's State, Attempts, NextAttemptAt, LastError and
// DeliveredAt; ENOTFOUND when there is no such alert.
func (q *queries) UpdateAlert(ctx context.Context, a *core.Alert) error {
	res, err := q.exec(ctx, sqlUpdateAlert, a.State, a.Attempts, nanos(a.NextAttemptAt), a.LastError,
		nanos(a.DeliveredAt), a.ID)
	if err != nil {
		return fmt.Errorf("update alert: %w", err)
	}
	return affected("update alert", "alert", res)
}

// PruneAlerts deletes delivered and failed alerts created before before.
func (q *queries) PruneAlerts(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.execCount(ctx, sqlPruneAlerts, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune alerts: %w", err)
	}
	return n, nil
}

func scanAlert(s scanner, a *core.Alert) error {
	var (
		checkID                  sql.NullString
		msg                      string
		next, created, delivered int64
	)
	err := s.Scan(&a.ID, &checkID, &a.ChannelID, &msg, &a.State, &a.Attempts, &next, &a.LastError,
		&created, &delivered)
	if err != nil {
		return err
	}
	a.CheckID = checkID.String
	if err := json.Unmarshal([]byte(msg), &a.Message); err != nil {
		return fmt.Errorf("alert %d: message: %w", a.ID, err)
	}
	a.Message.At = a.Message.At.UTC()
	a.NextAttemptAt = fromNanos(next)
	a.CreatedAt = fromNanos(created)
	a.DeliveredAt = fromNanos(delivered)
	return nil
}
