package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/pakyas/pakyas/core"
)

// Timeline page sizes.
const (
	defaultTimelineLimit = 50
	maxTimelineLimit     = 1000
)

const (
	timelineColumns = `id, check_id, at, kind, signal_kind, exit_code, run_id, duration, host,
		body, truncated, received_at, method, remote_addr, user_agent, from_status, to_status, reason`
	sqlAddTimelinePrefix = `INSERT INTO timeline (check_id, at, kind, signal_kind, exit_code, run_id, duration,
		host, body, truncated, received_at, method, remote_addr, user_agent, from_status, to_status, reason)
		VALUES `
	sqlAddTimelineRow    = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlAddTimelineSuffix = ` RETURNING id`
	timelineArgs         = 17 // per row

	// The row value (at, id) < (?2, ?3) is a range on the index
	// timeline_check_at, so a page deep in the past costs what the first
	// one does. ?4 is a JSON array of kinds, or NULL for all.
	sqlTimeline = `SELECT ` + timelineColumns + ` FROM timeline
		WHERE check_id = ?1 AND (at, id) < (?2, ?3)
			AND (?4 IS NULL OR kind IN (SELECT value FROM json_each(?4)))
		ORDER BY at DESC, id DESC LIMIT ?5`

	// One range of timeline_check_at per check of the project.
	sqlRecentSignals = `SELECT t.id, t.check_id, t.at, t.signal_kind, t.exit_code, t.duration, t.run_id
		FROM checks c CROSS JOIN timeline t ON t.id IN (
			SELECT s.id FROM timeline s WHERE s.check_id = c.id AND s.kind = 'signal'
				AND s.signal_kind IN (SELECT value FROM json_each(?2))
			ORDER BY s.at DESC, s.id DESC LIMIT ?3)
		WHERE c.project_id = ?1
		ORDER BY t.check_id, t.at DESC, t.id DESC`

	// Both prunes walk the checks and, for each, a range of the index
	// timeline_check_at (CROSS JOIN fixes that loop order), so they read
	// what they delete and little else.
	sqlPruneByAge = `DELETE FROM timeline WHERE id IN (
		SELECT t.id FROM checks c
		CROSS JOIN timeline t ON t.check_id = c.id AND t.at < ?
		WHERE t.kind = 'signal')`
	// x is each check's newest signal beyond the ones kept; it and every
	// older signal go.
	sqlPruneByCount = `DELETE FROM timeline WHERE id IN (
		SELECT t.id FROM checks c
		CROSS JOIN timeline x ON x.id = (
			SELECT s.id FROM timeline s WHERE s.check_id = c.id AND s.kind = 'signal'
			ORDER BY s.at DESC, s.id DESC LIMIT 1 OFFSET ?)
		CROSS JOIN timeline t ON t.check_id = c.id AND (t.at, t.id) <= (x.at, x.id)
		WHERE t.kind = 'signal')`
)

// AddTimeline inserts e and sets e.ID, and e.Signal.ID for a signal entry;
// EINVALID for a signal entry without a Signal, ENOTFOUND when the check
// does not exist.
func (q *queries) AddTimeline(ctx context.Context, e *core.TimelineEntry) error {
	return q.AddTimelines(ctx, []*core.TimelineEntry{e})
}

// AddTimelines inserts entries, in order, as AddTimeline does each, in as
// few statements as bulkSizes allow.
func (q *queries) AddTimelines(ctx context.Context, entries []*core.TimelineEntry) error {
	args := make([]any, 0, timelineArgs*nextChunk(len(entries)))
	for len(entries) > 0 {
		chunk := entries[:nextChunk(len(entries))]
		entries = entries[len(chunk):]
		args = args[:0]
		for _, e := range chunk {
			var err error
			if args, err = appendTimelineArgs(args, e); err != nil {
				return err
			}
		}
		if err := q.insertTimeline(ctx, chunk, args); err != nil {
			return err
		}
	}
	return nil
}

// insertTimeline inserts one chunk and sets the IDs. The rows of one
// INSERT get ascending IDs in the order of its VALUES (one writer on
// SQLite; one sequence, drawn row by row, on PostgreSQL), but RETURNING
// may list them in any order: sorted, the i-th ID is the i-th row's.
func (q *queries) insertTimeline(ctx context.Context, chunk []*core.TimelineEntry, args []any) error {
	fail := func(err error) error {
		return q.writeErr("add timeline", err, "", fmt.Sprintf("check %q not found", chunk[0].CheckID))
	}
	st, err := q.wr.stmt(ctx, bulkRows(sqlAddTimelinePrefix, sqlAddTimelineRow, sqlAddTimelineSuffix, len(chunk)))
	if err != nil {
		return fail(err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	ids := make([]int64, 0, len(chunk))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fail(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if len(ids) != len(chunk) {
		return fmt.Errorf("add timeline: %d rows inserted, %d IDs returned", len(chunk), len(ids))
	}
	slices.Sort(ids)
	for i, e := range chunk {
		e.ID = ids[i]
		if e.Signal != nil {
			e.Signal.ID = ids[i]
		}
	}
	return nil
}

// appendTimelineArgs appends e's columns to args, in the order of
// sqlAddTimelineRow.
func appendTimelineArgs(args []any, e *core.TimelineEntry) ([]any, error) {
	var (
		sigKind, runID, host, method, remote, ua string
		exit, body                               any // NULL unless set
		duration, received                       int64
		truncated                                bool
	)
	if e.Kind == core.EntrySignal {
		s := e.Signal
		if s == nil {
			return nil, core.Errorf(core.EINVALID, "add timeline: signal entry without a signal")
		}
		sigKind, runID, host, method, remote, ua = string(s.Kind), s.RunID, s.Host, s.Method, s.RemoteAddr, s.UserAgent
		if s.ExitCode != nil {
			exit = int64(*s.ExitCode)
		}
		if len(s.Body) > 0 {
			body = s.Body
		}
		duration, received, truncated = int64(s.Duration), nanos(s.ReceivedAt), s.Truncated
	}
	return append(args, e.CheckID, nanos(e.At), string(e.Kind),
		sigKind, exit, runID, duration, host, body, truncated, received, method, remote, ua,
		string(e.From), string(e.To), e.Reason), nil
}

// Timeline returns a page of checkID's timeline, newest first (by At, then
// ID). Limit is 50 when 0 and at most 1000.
func (q *queries) Timeline(ctx context.Context, checkID string, page core.TimelinePage) ([]core.TimelineEntry, error) {
	beforeAt, beforeID := int64(math.MaxInt64), int64(math.MaxInt64)
	if !page.BeforeAt.IsZero() {
		beforeAt, beforeID = nanos(page.BeforeAt), page.BeforeID
	}
	n := page.Limit
	switch {
	case n <= 0:
		n = defaultTimelineLimit
	case n > maxTimelineLimit:
		n = maxTimelineLimit
	}
	var kinds any // NULL: all kinds
	if len(page.Kinds) > 0 {
		b, err := json.Marshal(page.Kinds)
		if err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		kinds = string(b)
	}
	es, err := list(ctx, q, sqlTimeline, scanEntry, checkID, beforeAt, beforeID, kinds, n)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return es, nil
}

// RecentSignals returns the newest perCheck signals of kinds of every
// check of projectID, without bodies, each check's together, newest first.
func (q *queries) RecentSignals(ctx context.Context, projectID string, kinds []core.SignalKind, perCheck int) ([]core.Signal, error) {
	if perCheck <= 0 || len(kinds) == 0 {
		return nil, nil
	}
	ks, err := json.Marshal(kinds)
	if err != nil {
		return nil, fmt.Errorf("recent signals: %w", err)
	}
	sigs, err := list(ctx, q, sqlRecentSignals, func(s scanner, sig *core.Signal) error {
		var at, duration int64
		var kind string
		var exit sql.NullInt64
		if err := s.Scan(&sig.ID, &sig.CheckID, &at, &kind, &exit, &duration, &sig.RunID); err != nil {
			return err
		}
		sig.OccurredAt, sig.Kind, sig.Duration = fromNanos(at), core.SignalKind(kind), time.Duration(duration)
		if exit.Valid {
			code := int(exit.Int64)
			sig.ExitCode = &code
		}
		return nil
	}, projectID, string(ks), perCheck)
	if err != nil {
		return nil, fmt.Errorf("recent signals: %w", err)
	}
	return sigs, nil
}

// PruneTimeline deletes signal entries older than before, and signal
// entries beyond the newest keepPerCheck of each check (none when
// keepPerCheck <= 0), and returns how many it deleted. The zero before
// deletes nothing by age.
func (q *queries) PruneTimeline(ctx context.Context, before time.Time, keepPerCheck int) (int64, error) {
	var total int64
	err := q.atomically(ctx, func(q *queries) error {
		total = 0
		if !before.IsZero() {
			n, err := q.execCount(ctx, sqlPruneByAge, nanos(before))
			if err != nil {
				return err
			}
			total += n
		}
		if keepPerCheck > 0 {
			n, err := q.execCount(ctx, sqlPruneByCount, keepPerCheck)
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune timeline: %w", err)
	}
	return total, nil
}

// execCount runs a write and returns how many rows it changed.
func (q *queries) execCount(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func scanEntry(s scanner, e *core.TimelineEntry) error {
	var (
		at, duration, received          int64
		kind, sigKind, from, to         string
		runID, host, method, remote, ua string
		exit                            sql.NullInt64
		body                            []byte
		truncated                       bool
	)
	err := s.Scan(&e.ID, &e.CheckID, &at, &kind, &sigKind, &exit, &runID, &duration, &host,
		&body, &truncated, &received, &method, &remote, &ua, &from, &to, &e.Reason)
	if err != nil {
		return err
	}
	e.At = fromNanos(at)
	e.Kind = core.EntryKind(kind)
	e.From, e.To = core.Status(from), core.Status(to)
	if e.Kind != core.EntrySignal {
		return nil
	}
	sig := &core.Signal{
		ID:         e.ID,
		CheckID:    e.CheckID,
		Kind:       core.SignalKind(sigKind),
		RunID:      runID,
		Duration:   time.Duration(duration),
		Host:       host,
		Truncated:  truncated,
		OccurredAt: e.At,
		ReceivedAt: fromNanos(received),
		Method:     method,
		RemoteAddr: remote,
		UserAgent:  ua,
	}
	if exit.Valid {
		code := int(exit.Int64)
		sig.ExitCode = &code
	}
	if len(body) > 0 {
		sig.Body = body
	}
	e.Signal = sig
	return nil
}

// LastTimelineID implements core.Queries.
func (q *queries) LastTimelineID(ctx context.Context, checkID string) (int64, error) {
	var id int64
	if err := q.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM timeline WHERE check_id = ?`, checkID).Scan(&id); err != nil {
		return 0, fmt.Errorf("last timeline id: %w", err)
	}
	return id, nil
}
