package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/pakyas/pakyas/core"
)

const (
	inboxColumns = `id, public_id, taken_at, signal_kind, exit_code, run_id, duration, host, body,
		truncated, occurred_at, received_at, method, remote_addr, user_agent`
	sqlAddInboxPrefix = `INSERT INTO inbox (public_id, taken_at, signal_kind, exit_code, run_id, duration, host,
		body, truncated, occurred_at, received_at, method, remote_addr, user_agent) VALUES `
	sqlAddInboxRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	inboxArgs      = 14 // per row

	sqlInboxEntries = `SELECT ` + inboxColumns + ` FROM inbox ORDER BY id LIMIT ?`
	sqlDeleteInbox  = `DELETE FROM inbox WHERE id <= ?`
	// Without a WHERE clause SQLite drops the table's pages at once
	// instead of deleting row by row.
	sqlClearInbox = `DELETE FROM inbox`
)

var _ core.Inbox = (*queries)(nil)

// KeepsInbox implements core.Inbox: SQLite keeps one.
func (q *queries) KeepsInbox() bool { return q.d.inbox }

// AddInbox implements core.Inbox, in as few statements as bulkSizes allow.
// The entries' IDs are left as they are: only InboxEntries gives them.
func (q *queries) AddInbox(ctx context.Context, entries []core.InboxEntry) error {
	args := make([]any, 0, inboxArgs*nextChunk(len(entries)))
	for len(entries) > 0 {
		chunk := entries[:nextChunk(len(entries))]
		entries = entries[len(chunk):]
		args = args[:0]
		for _, e := range chunk {
			s := &e.Signal
			var exit, body any // NULL unless set
			if s.ExitCode != nil {
				exit = int64(*s.ExitCode)
			}
			if len(s.Body) > 0 {
				body = s.Body
			}
			args = append(args, e.PublicID, nanos(e.TakenAt), string(s.Kind), exit, s.RunID, int64(s.Duration),
				s.Host, body, s.Truncated, nanos(s.OccurredAt), nanos(s.ReceivedAt), s.Method, s.RemoteAddr, s.UserAgent)
		}
		if _, err := q.exec(ctx, bulkRows(sqlAddInboxPrefix, sqlAddInboxRow, "", len(chunk)), args...); err != nil {
			return fmt.Errorf("add inbox: %w", err)
		}
	}
	return nil
}

// insertIDs runs a bulk INSERT ... RETURNING id of n rows and returns
// their IDs in the order of its VALUES. The rows of one INSERT get
// ascending IDs in that order (one writer on SQLite; one sequence, drawn
// row by row, on PostgreSQL), but RETURNING may list them in any order:
// sorted, the i-th ID is the i-th row's.
func (q *queries) insertIDs(ctx context.Context, query string, n int, args []any) ([]int64, error) {
	st, err := q.wr.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("%d rows inserted, %d IDs returned", n, len(ids))
	}
	slices.Sort(ids)
	return ids, nil
}

// InboxEntries implements core.Inbox.
func (q *queries) InboxEntries(ctx context.Context, limit int) ([]core.InboxEntry, error) {
	es, err := list(ctx, q, sqlInboxEntries, scanInbox, limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return es, nil
}

func scanInbox(s scanner, e *core.InboxEntry) error {
	var taken, duration, occurred, received int64
	var kind string
	var exit sql.NullInt64
	sig := &e.Signal
	if err := s.Scan(&e.ID, &e.PublicID, &taken, &kind, &exit, &sig.RunID, &duration, &sig.Host, &sig.Body,
		&sig.Truncated, &occurred, &received, &sig.Method, &sig.RemoteAddr, &sig.UserAgent); err != nil {
		return err
	}
	e.TakenAt, sig.Kind, sig.Duration = fromNanos(taken), core.SignalKind(kind), time.Duration(duration)
	sig.OccurredAt, sig.ReceivedAt = fromNanos(occurred), fromNanos(received)
	if exit.Valid {
		code := int(exit.Int64)
		sig.ExitCode = &code
	}
	return nil
}

// DeleteInbox implements core.Inbox.
func (q *queries) DeleteInbox(ctx context.Context, through int64) error {
	query, args := sqlDeleteInbox, []any{through}
	if through <= 0 {
		query, args = sqlClearInbox, nil
	}
	if _, err := q.exec(ctx, query, args...); err != nil {
		return fmt.Errorf("delete inbox: %w", err)
	}
	return nil
}
