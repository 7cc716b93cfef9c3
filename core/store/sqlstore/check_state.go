package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pakyas/pakyas/core"
)

const (
	// stateAssignments sets the state columns from appendStateArgs.
	stateAssignments = `status = ?, status_since = ?, open_runs = ?, last_run_at = ?,
		last_signal_at = ?, last_success_at = ?, last_failure_at = ?, last_start_at = ?,
		last_exit_code = ?, resumed_at = ?, next_eval_at = ?, held_from = ?, held_until = ?,
		fail_streak = ?, fail_held = ?, paused_until = ?, next_reminder_at = ?, dep_held = ?, told = ?`
	sqlSaveCheckState = `UPDATE checks SET ` + stateAssignments + ` WHERE id = ?`

	// The bulk form: one row of VALUES per check, the check's ID first
	// (VALUES columns are named column1, column2, ... in both databases;
	// the casts give PostgreSQL the parameters' types).
	sqlSaveCheckStatesPrefix = `UPDATE checks SET status = v.column2, status_since = v.column3,
		open_runs = v.column4, last_run_at = v.column5, last_signal_at = v.column6,
		last_success_at = v.column7, last_failure_at = v.column8, last_start_at = v.column9,
		last_exit_code = v.column10, resumed_at = v.column11, next_eval_at = v.column12,
		held_from = v.column13, held_until = v.column14, fail_streak = v.column15, fail_held = v.column16,
		paused_until = v.column17, next_reminder_at = v.column18, dep_held = v.column19, told = v.column20
		FROM (VALUES `
	sqlSaveCheckStatesRow = `(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT),
		CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),
		CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT),
		CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT))`
	sqlSaveCheckStatesSuffix = `) AS v WHERE checks.id = v.column1`

	// The next_eval_at > 0 term lets SQLite use the partial index
	// checks_next_eval, so only due checks are read.
	sqlDueChecks = `SELECT ` + checkColumns + ` FROM checks
		WHERE next_eval_at > 0 AND next_eval_at <= ?
		ORDER BY next_eval_at, id LIMIT ?`
	sqlNextEvalAt = `SELECT next_eval_at FROM checks WHERE next_eval_at > 0
		ORDER BY next_eval_at LIMIT 1`
	sqlCountByStatus = `SELECT status, count(*) FROM checks GROUP BY status`
)

// appendStateArgs appends s to args as the arguments of stateAssignments.
func appendStateArgs(args []any, s core.CheckState) ([]any, error) {
	runs, err := encodeRuns(s.OpenRuns)
	if err != nil {
		return nil, err
	}
	return append(args, string(s.Status), nanos(s.StatusSince), runs, nanos(s.LastRunAt),
		nanos(s.LastSignalAt), nanos(s.LastSuccessAt), nanos(s.LastFailureAt), nanos(s.LastStartAt),
		int64(s.LastExitCode), nanos(s.ResumedAt), nanos(s.NextEvalAt), string(s.HeldFrom), nanos(s.HeldUntil),
		int64(s.FailStreak), string(s.FailHeld), nanos(s.PausedUntil), nanos(s.NextReminderAt), string(s.DepHeld),
		string(s.Told)), nil
}

// SaveCheckState saves only the check's state; ENOTFOUND when there is no
// such check.
func (q *queries) SaveCheckState(ctx context.Context, checkID string, s core.CheckState) error {
	args, err := appendStateArgs(make([]any, 0, 20), s)
	if err != nil {
		return fmt.Errorf("save check state: %w", err)
	}
	res, err := q.exec(ctx, sqlSaveCheckState, append(args, checkID)...)
	if err != nil {
		return fmt.Errorf("save check state: %w", err)
	}
	return affected("save check state", "check", res)
}

// SaveCheckStates saves the state of several checks, in as few
// statements as bulkSizes allow; ENOTFOUND when one of them does not
// exist.
func (q *queries) SaveCheckStates(ctx context.Context, states []core.CheckStateOf) error {
	args := make([]any, 0, 20*nextChunk(len(states)))
	for len(states) > 0 {
		chunk := states[:nextChunk(len(states))]
		states = states[len(chunk):]
		if len(chunk) == 1 {
			if err := q.SaveCheckState(ctx, chunk[0].CheckID, chunk[0].State); err != nil {
				return err
			}
			continue
		}
		args = args[:0]
		for _, s := range chunk {
			var err error
			args = append(args, s.CheckID)
			if args, err = appendStateArgs(args, s.State); err != nil {
				return fmt.Errorf("save check states: %w", err)
			}
		}
		res, err := q.exec(ctx, bulkRows(sqlSaveCheckStatesPrefix, sqlSaveCheckStatesRow, sqlSaveCheckStatesSuffix, len(chunk)), args...)
		if err != nil {
			return fmt.Errorf("save check states: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("save check states: %w", err)
		} else if n != int64(len(chunk)) {
			return core.Errorf(core.ENOTFOUND, "save check states: %d of %d checks not found", int64(len(chunk))-n, len(chunk))
		}
	}
	return nil
}

// DueChecks returns up to limit checks whose NextEvalAt is set and not
// after t, earliest first (then by ID); limit <= 0 means no limit.
func (q *queries) DueChecks(ctx context.Context, t time.Time, limit int) ([]core.Check, error) {
	if t.IsZero() {
		return nil, nil
	}
	cs, err := list(ctx, q, sqlDueChecks+q.d.skipLocked(q.inTx), scanCheck, nanos(t), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("due checks: %w", err)
	}
	return cs, nil
}

// NextEvalAt returns the earliest NextEvalAt of all checks, and false when
// no check has one.
func (q *queries) NextEvalAt(ctx context.Context) (time.Time, bool, error) {
	var n int64
	err := q.queryRow(ctx, sqlNextEvalAt).Scan(&n)
	if err != nil {
		if isNoRows(err) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, fmt.Errorf("next eval time: %w", err)
	}
	return fromNanos(n), true, nil
}

// CountByStatus returns the number of checks per settled status; statuses
// no check has are absent.
func (q *queries) CountByStatus(ctx context.Context) (map[core.Status]int, error) {
	rows, err := q.query(ctx, sqlCountByStatus)
	if err != nil {
		return nil, fmt.Errorf("count checks: %w", err)
	}
	defer rows.Close()
	counts := make(map[core.Status]int)
	for rows.Next() {
		var (
			status string
			n      int
		)
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("count checks: %w", err)
		}
		counts[core.Status(status)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count checks: %w", err)
	}
	return counts, nil
}

// encodeRuns returns runs as stored: a JSON array.
func encodeRuns(runs []core.Run) (string, error) {
	if len(runs) == 0 {
		return "[]", nil // the common case, without encoding/json
	}
	b, err := json.Marshal(runs)
	if err != nil {
		return "", fmt.Errorf("encode open runs: %w", err)
	}
	return string(b), nil
}

// decodeRuns returns stored runs, nil when there are none, times in UTC.
func decodeRuns(s string) ([]core.Run, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var runs []core.Run
	if err := json.Unmarshal([]byte(s), &runs); err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, nil
	}
	for i := range runs {
		runs[i].StartedAt = runs[i].StartedAt.UTC()
		if !runs[i].ArrivedAt.IsZero() {
			runs[i].ArrivedAt = runs[i].ArrivedAt.UTC()
		}
	}
	return runs, nil
}
