package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/pakyas/pakyas/core"
)

const (
	alertColumns    = `id, check_id, channel_id, message, state, attempts, next_attempt_at, last_error, created_at, delivered_at, lease_token, lease_until`
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
	// The heads of sqlDueAlerts whose lease is free, leased to ?1 until ?2.
	sqlClaimAlerts = `UPDATE alerts SET lease_token = ?1, lease_until = ?2
		WHERE id IN (SELECT a.id FROM alerts AS a
			WHERE a.state = 'pending' AND a.next_attempt_at <= ?3 AND a.lease_until <= ?3
			AND (a.check_id IS NULL OR NOT EXISTS (SELECT 1 FROM alerts AS b
				WHERE b.channel_id = a.channel_id AND b.check_id = a.check_id AND b.state = 'pending' AND b.id < a.id))
			ORDER BY a.next_attempt_at, a.id LIMIT ?4%s)
		RETURNING ` + alertColumns
	sqlRenewLease  = `UPDATE alerts SET lease_until = ? WHERE id = ? AND lease_token = ? AND state = 'pending'`
	sqlNextAlertAt = `SELECT next_attempt_at FROM alerts WHERE state = 'pending'
		ORDER BY next_attempt_at LIMIT 1`
	// A claimed alert (?7 its lease token) is saved only by its holder.
	sqlUpdateAlert = `UPDATE alerts SET state = ?1, attempts = ?2, next_attempt_at = ?3, last_error = ?4,
		delivered_at = ?5, lease_token = '', lease_until = 0 WHERE id = ?6 AND (?7 = '' OR lease_token = ?7)`
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

// ClaimAlerts leases the alerts DueAlerts would return at now whose lease
// is free (never taken, or ended) to token until until, and returns them,
// oldest first.
func (q *queries) ClaimAlerts(ctx context.Context, now, until time.Time, token string, limit int) ([]core.Alert, error) {
	if token == "" {
		return nil, core.Errorf(core.EINVALID, "claim alerts: empty lease token")
	}
	query := fmt.Sprintf(sqlClaimAlerts, q.d.skipLockedOf("a"))
	wq := &queries{rd: q.wr, wr: q.wr, d: q.d, inTx: q.inTx} // RETURNING: on the write side
	as, err := list(ctx, wq, query, scanAlert, token, nanos(until), nanos(now), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("claim alerts: %w", err)
	}
	slices.SortFunc(as, func(a, b core.Alert) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
	return as, nil
}

// RenewAlertLease extends token's lease on a pending alert to until;
// ECONFLICT when token no longer holds it.
func (q *queries) RenewAlertLease(ctx context.Context, id int64, token string, until time.Time) error {
	n, err := q.execCount(ctx, sqlRenewLease, nanos(until), id, token)
	if err != nil {
		return fmt.Errorf("renew alert lease: %w", err)
	}
	if n == 0 {
		return errLeaseLost(id)
	}
	return nil
}

func errLeaseLost(id int64) error {
	return core.Errorf(core.ECONFLICT, "alert %d: the lease was lost (another server took it over, or it was delivered)", id)
}

// UpdateAlert saves a's State, Attempts, NextAttemptAt, LastError and
// DeliveredAt, and ends its lease; ENOTFOUND when there is no such alert,
// ECONFLICT when a.LeaseToken is set and no longer holds the lease.
func (q *queries) UpdateAlert(ctx context.Context, a *core.Alert) error {
	n, err := q.execCount(ctx, sqlUpdateAlert, a.State, a.Attempts, nanos(a.NextAttemptAt), a.LastError,
		nanos(a.DeliveredAt), a.ID, a.LeaseToken)
	if err != nil {
		return fmt.Errorf("update alert: %w", err)
	}
	if n == 0 && a.LeaseToken != "" {
		return errLeaseLost(a.ID)
	}
	if n == 0 {
		return notFound("alert")
	}
	a.LeaseToken, a.LeaseUntil = "", time.Time{}
	return nil
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
		leaseUntil               int64
	)
	err := s.Scan(&a.ID, &checkID, &a.ChannelID, &msg, &a.State, &a.Attempts, &next, &a.LastError,
		&created, &delivered, &a.LeaseToken, &leaseUntil)
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
	a.LeaseUntil = fromNanos(leaseUntil)
	return nil
}
