package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core"
)

// queries implements core.Queries once, over executors, for both the Store
// (lookups on the read pool, writes on the write connection) and the
// transaction of an Update (both on the transaction).
type queries struct {
	rd executor // lookups
	wr executor // writes
	d  *Dialect
	// inTx: the queries of an Update, whose reads of checks lock them
	// where the dialect locks rows.
	inTx bool

	// begin runs fn in a write transaction, for the few methods made of
	// several statements; nil inside Update, whose transaction they join.
	begin func(ctx context.Context, fn func(q *queries) error) error

	// conn, inside Update, tells which connection of the write pool the
	// transaction holds (Store.CountWriteConnections); nil: unknown.
	conn func() int64
}

var _ core.Queries = (*queries)(nil)

// ChangeMark implements core.ChangeMarker on SQLite, whose writes all go
// through the Store's one write connection: which connection it is
// (Store.CountWriteConnections), the rows it has changed (total_changes(),
// which a commit or a rollback leaves as it is) and PRAGMA data_version
// (which another connection's commit changes, and this one's does not).
func (q *queries) ChangeMark(ctx context.Context) (core.ChangeMark, bool, error) {
	if !q.inTx || q.conn == nil {
		return core.ChangeMark{}, false, nil
	}
	m := core.ChangeMark{Conn: q.conn()}
	if err := q.queryRow(ctx, sqlChangeMark).Scan(&m.Changes, &m.Version); err != nil {
		return core.ChangeMark{}, false, fmt.Errorf("change mark: %w", err)
	}
	return m, true, nil
}

const sqlChangeMark = `SELECT total_changes(), data_version FROM pragma_data_version`

// atomically runs fn in one write transaction: q's own inside Update, a new
// one otherwise.
func (q *queries) atomically(ctx context.Context, fn func(q *queries) error) error {
	if q.begin == nil {
		return fn(q)
	}
	return q.begin(ctx, fn)
}

// executor hands out prepared statements.
type executor interface {
	stmt(ctx context.Context, query string) (*sql.Stmt, error)
}

// stmtCache prepares each query once on its *sql.DB and keeps the
// statement; database/sql re-prepares it on each pooled connection the
// first time it runs there.
type stmtCache struct {
	db *sql.DB
	d  *Dialect
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB, d *Dialect) *stmtCache {
	return &stmtCache{db: db, d: d, m: make(map[string]*sql.Stmt)}
}

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.cached(query); st != nil {
		return st, nil
	}
	// Prepare without the lock: on the read pool it may wait for a
	// connection, and other lookups must not wait behind it.
	st, err := c.db.PrepareContext(ctx, c.d.SQL(query))
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		st.Close() // lost the race; keep the first
		return prev, nil
	}
	c.m[query] = st
	return st, nil
}

// cached returns the statement of query if it is prepared, or nil.
func (c *stmtCache) cached(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, st := range c.m {
		st.Close()
		delete(c.m, k)
	}
}

// txExec hands out the Store's write statements bound to one transaction,
// binding each at most once per transaction.
type txExec struct {
	tx    *sql.Tx
	base  *stmtCache
	mu    sync.Mutex // fn may share its Queries between goroutines
	stmts map[string]*sql.Stmt

	// missed are the queries base had not prepared: the transaction holds
	// the only write connection, so they were prepared on the transaction,
	// and Store.update prepares them on base once it is over.
	missed []string
}

func (e *txExec) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st, ok := e.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if base := e.base.cached(query); base != nil {
		st = e.tx.StmtContext(ctx, base)
	} else {
		var err error
		if st, err = e.tx.PrepareContext(ctx, e.base.d.SQL(query)); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		e.missed = append(e.missed, query)
	}
	e.stmts[query] = st
	return st, nil
}

// exec runs a write statement.
func (q *queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.wr.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// insertID runs an INSERT ... RETURNING id and returns the id.
func (q *queries) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	st, err := q.wr.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	var id int64
	err = st.QueryRowContext(ctx, args...).Scan(&id)
	return id, err
}

// query runs a lookup returning rows.
func (q *queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.rd.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs a lookup returning at most one row.
func (q *queries) queryRow(ctx context.Context, query string, args ...any) row {
	st, err := q.rd.stmt(ctx, query)
	if err != nil {
		return row{err: err}
	}
	return row{row: st.QueryRowContext(ctx, args...)}
}

// row is a *sql.Row, or the error of preparing its statement.
type row struct {
	row *sql.Row
	err error
}

// Scan is (*sql.Row).Scan.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// list runs a lookup and scans every row with scan.
func list[T any](ctx context.Context, q *queries, query string, scan func(scanner, *T) error, args ...any) ([]T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// nanos returns t as stored: unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos returns a stored time: UTC, the zero time for 0.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// limitArg returns n as a LIMIT: no limit when n <= 0.
func limitArg(n int) int64 {
	if n <= 0 {
		return math.MaxInt64
	}
	return int64(n)
}
