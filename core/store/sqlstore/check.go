package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
)

const (
	checkColumns = `id, public_id, org_id, project_id, name, slug,
		schedule_kind, period, cron, tz, grace, max_runtime, alert_after, remind_every, channels, depends_on,
		created_at, updated_at,
		status, status_since, open_runs, last_run_at, last_signal_at, last_success_at,
		last_failure_at, last_start_at, last_exit_code, resumed_at, next_eval_at, held_from, held_until,
		fail_streak, fail_held, paused_until, next_reminder_at, dep_held, told`
	sqlCreateCheck = `INSERT INTO checks (` + checkColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// The checks that depend on a check, locked like ChecksByPublicID.
	sqlDependents      = `SELECT ` + checkColumns + ` FROM checks WHERE depends_on = ? ORDER BY id`
	sqlCheck           = `SELECT ` + checkColumns + ` FROM checks WHERE id = ?`
	sqlCheckByPublicID = `SELECT ` + checkColumns + ` FROM checks WHERE public_id = ?`
	// ?1 is a JSON array of public IDs.
	sqlChecksByPublicID = `SELECT ` + checkColumns + ` FROM checks
		WHERE public_id IN (SELECT value FROM json_each(?1)) ORDER BY id`
	sqlCheckBySlug = `SELECT ` + checkColumns + ` FROM checks WHERE project_id = ? AND slug = ?`
	sqlChecks      = `SELECT ` + checkColumns + ` FROM checks WHERE project_id = ? ORDER BY slug`
	sqlUpdateCheck = `UPDATE checks SET public_id = ?, org_id = ?, project_id = ?, name = ?, slug = ?,
		schedule_kind = ?, period = ?, cron = ?, tz = ?, grace = ?, max_runtime = ?, alert_after = ?,
		remind_every = ?, channels = ?, depends_on = ?, updated_at = ?,
		` + stateAssignments + ` WHERE id = ?`
	sqlDeleteCheck = `DELETE FROM checks WHERE id = ?`
)

// CreateCheck inserts c with its state; ECONFLICT when its slug is taken in
// the project or its ID or public ID is taken, ENOTFOUND when its project or
// org does not exist.
func (q *queries) CreateCheck(ctx context.Context, c *core.Check) error {
	args := append(make([]any, 0, 30), c.ID, c.PublicID, c.OrgID, c.ProjectID, c.Name, c.Slug,
		string(c.Schedule.Kind), int64(c.Schedule.Period), c.Schedule.Cron, c.Schedule.TZ,
		int64(c.Schedule.Grace), int64(c.MaxRuntime), int64(c.AlertAfter), int64(c.RemindEvery), encodeChannels(c.Channels),
		c.DependsOn, nanos(c.CreatedAt), nanos(c.UpdatedAt))
	args, err := appendStateArgs(args, c.State)
	if err != nil {
		return fmt.Errorf("create check: %w", err)
	}
	if _, err := q.exec(ctx, sqlCreateCheck, args...); err != nil {
		if q.d.conflict(err) {
			return checkConflict(q.d.constraint(err), c)
		}
		return q.writeErr("create check", err, "",
			fmt.Sprintf("project %q or org %q not found", c.ProjectID, c.OrgID))
	}
	return nil
}

// Check returns the check with the given ID.
func (q *queries) Check(ctx context.Context, id string) (*core.Check, error) {
	return q.getCheck(ctx, sqlCheck+q.d.forUpdate(q.inTx), id)
}

// CheckByPublicID returns the check with the given public ID.
func (q *queries) CheckByPublicID(ctx context.Context, publicID string) (*core.Check, error) {
	return q.getCheck(ctx, sqlCheckByPublicID+q.d.forUpdate(q.inTx), publicID)
}

// ChecksByPublicID returns the checks with these public IDs, by ID,
// locking them inside Update where the dialect locks rows.
func (q *queries) ChecksByPublicID(ctx context.Context, publicIDs []string) ([]core.Check, error) {
	if len(publicIDs) == 0 {
		return nil, nil
	}
	ids, err := json.Marshal(publicIDs)
	if err != nil {
		return nil, fmt.Errorf("checks by public id: %w", err)
	}
	cs, err := list(ctx, q, sqlChecksByPublicID+q.d.forUpdate(q.inTx), scanCheck, string(ids))
	if err != nil {
		return nil, fmt.Errorf("checks by public id: %w", err)
	}
	return cs, nil
}

// Dependents returns the checks that depend on checkID, locking them
// inside Update where the dialect locks rows.
func (q *queries) Dependents(ctx context.Context, checkID string) ([]core.Check, error) {
	cs, err := list(ctx, q, sqlDependents+q.d.forUpdate(q.inTx), scanCheck, checkID)
	if err != nil {
		return nil, fmt.Errorf("dependent checks: %w", err)
	}
	return cs, nil
}

// CheckBySlug returns the check with the given slug in projectID.
func (q *queries) CheckBySlug(ctx context.Context, projectID, slug string) (*core.Check, error) {
	return q.getCheck(ctx, sqlCheckBySlug+q.d.forUpdate(q.inTx), projectID, slug)
}

func (q *queries) getCheck(ctx context.Context, query string, args ...any) (*core.Check, error) {
	c := new(core.Check)
	if err := scanCheck(q.queryRow(ctx, query, args...), c); err != nil {
		return nil, lookupErr("get check", "check", err)
	}
	return c, nil
}

// Checks returns the checks of projectID, by slug.
func (q *queries) Checks(ctx context.Context, projectID string) ([]core.Check, error) {
	cs, err := list(ctx, q, sqlChecks, scanCheck, projectID)
	if err != nil {
		return nil, fmt.Errorf("list checks: %w", err)
	}
	return cs, nil
}

// UpdateCheck saves everything of c but its ID and CreatedAt; ENOTFOUND
// when there is no such check, ECONFLICT when its new slug or public ID is
// taken.
func (q *queries) UpdateCheck(ctx context.Context, c *core.Check) error {
	args := append(make([]any, 0, 30), c.PublicID, c.OrgID, c.ProjectID, c.Name, c.Slug,
		string(c.Schedule.Kind), int64(c.Schedule.Period), c.Schedule.Cron, c.Schedule.TZ,
		int64(c.Schedule.Grace), int64(c.MaxRuntime), int64(c.AlertAfter), int64(c.RemindEvery), encodeChannels(c.Channels),
		c.DependsOn, nanos(c.UpdatedAt))
	args, err := appendStateArgs(args, c.State)
	if err != nil {
		return fmt.Errorf("update check: %w", err)
	}
	res, err := q.exec(ctx, sqlUpdateCheck, append(args, c.ID)...)
	if err != nil {
		if q.d.conflict(err) {
			return checkConflict(q.d.constraint(err), c)
		}
		return q.writeErr("update check", err, "",
			fmt.Sprintf("project %q or org %q not found", c.ProjectID, c.OrgID))
	}
	return affected("update check", "check", res)
}

// checkConflict returns the ECONFLICT error for writing c after the write
// broke the uniqueness rule named by constraint (as the database names it:
// it holds the column names). It asks the database nothing: in PostgreSQL
// the transaction is aborted by then.
func checkConflict(constraint string, c *core.Check) error {
	switch {
	case strings.Contains(constraint, "slug"):
		return core.Errorf(core.ECONFLICT, "check slug %q already exists in this project", c.Slug)
	case strings.Contains(constraint, "public_id"):
		return core.Errorf(core.ECONFLICT, "check public id %q already exists", c.PublicID)
	}
	return core.Errorf(core.ECONFLICT, "check %q already exists", c.ID)
}

// DeleteCheck deletes the check; its timeline and queued alerts go with it
// (ON DELETE CASCADE). ENOTFOUND when there is no such check.
func (q *queries) DeleteCheck(ctx context.Context, id string) error {
	res, err := q.exec(ctx, sqlDeleteCheck, id)
	if err != nil {
		return fmt.Errorf("delete check: %w", err)
	}
	return affected("delete check", "check", res)
}

func scanCheck(s scanner, c *core.Check) error {
	var (
		kind, status, runs, heldFrom, failHeld    string
		channels, depHeld, told                   string
		period, grace, maxRuntime, alertAfter     int64
		remindEvery, nextReminder                 int64
		created, updated, since                   int64
		lastRun, lastSignal, lastSuccess          int64
		lastFailure, lastStart, resumed, nextEval int64
		heldUntil, pausedUntil                    int64
	)
	err := s.Scan(&c.ID, &c.PublicID, &c.OrgID, &c.ProjectID, &c.Name, &c.Slug,
		&kind, &period, &c.Schedule.Cron, &c.Schedule.TZ, &grace, &maxRuntime, &alertAfter, &remindEvery, &channels, &c.DependsOn, &created, &updated,
		&status, &since, &runs, &lastRun, &lastSignal, &lastSuccess,
		&lastFailure, &lastStart, &c.State.LastExitCode, &resumed, &nextEval, &heldFrom, &heldUntil,
		&c.State.FailStreak, &failHeld, &pausedUntil, &nextReminder, &depHeld, &told)
	if err != nil {
		return err
	}
	c.Schedule.Kind = core.ScheduleKind(kind)
	c.Schedule.Period = time.Duration(period)
	c.Schedule.Grace = time.Duration(grace)
	c.MaxRuntime = time.Duration(maxRuntime)
	c.AlertAfter = int(alertAfter)
	c.RemindEvery = time.Duration(remindEvery)
	if c.Channels, err = decodeChannels(channels); err != nil {
		return fmt.Errorf("check %s: channels: %w", c.ID, err)
	}
	c.CreatedAt = fromNanos(created)
	c.UpdatedAt = fromNanos(updated)

	st := &c.State
	st.Status = core.Status(status)
	st.StatusSince = fromNanos(since)
	if st.OpenRuns, err = decodeRuns(runs); err != nil {
		return fmt.Errorf("check %s: open runs: %w", c.ID, err)
	}
	st.LastRunAt = fromNanos(lastRun)
	st.LastSignalAt = fromNanos(lastSignal)
	st.LastSuccessAt = fromNanos(lastSuccess)
	st.LastFailureAt = fromNanos(lastFailure)
	st.LastStartAt = fromNanos(lastStart)
	st.ResumedAt = fromNanos(resumed)
	st.NextEvalAt = fromNanos(nextEval)
	st.HeldFrom = core.Status(heldFrom)
	st.HeldUntil = fromNanos(heldUntil)
	st.FailHeld = core.Status(failHeld)
	st.PausedUntil = fromNanos(pausedUntil)
	st.NextReminderAt = fromNanos(nextReminder)
	st.DepHeld = core.Status(depHeld)
	st.Told = core.Status(told)
	return nil
}

// encodeChannels stores a check's channels: "" for every channel (nil),
// "none" for none, else a JSON array of IDs.
func encodeChannels(ids []string) string {
	switch {
	case ids == nil:
		return ""
	case len(ids) == 0:
		return "none"
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

func decodeChannels(s string) ([]string, error) {
	switch s {
	case "":
		return nil, nil
	case "none":
		return []string{}, nil
	}
	var ids []string
	err := json.Unmarshal([]byte(s), &ids)
	return ids, err
}
