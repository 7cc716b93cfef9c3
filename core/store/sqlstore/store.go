// Package sqlstore is core.Store over database/sql, written once for the
// databases Pakyas runs on: SQLite (core/store/sqlite) and PostgreSQL
// (core/store/postgres). A Dialect holds what differs between them; the
// schema migrations are in migrations/<dialect>.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pakyas/pakyas/core"
)

// maxAttempts bounds how often Update runs a transaction that the
// database aborted to break a deadlock or a serialization conflict.
const maxAttempts = 5

// Store is a core.Store over a write pool and a read pool (they may be the
// same *sql.DB). It is safe for concurrent use.
type Store struct {
	d     *Dialect
	write *sql.DB
	read  *sql.DB

	writeStmts *stmtCache
	readStmts  *stmtCache
	writeConns func() int64 // CountWriteConnections

	// queries runs the core.Queries methods called on the Store itself:
	// lookups on the read pool, writes on the write pool.
	queries
}

var _ core.Store = (*Store)(nil)

// New returns a Store over write and read, whose schema is up to date
// (Migrate). Close closes both.
func New(d *Dialect, write, read *sql.DB) *Store {
	s := &Store{d: d, write: write, read: read}
	s.writeStmts = newStmtCache(write, d)
	s.readStmts = newStmtCache(read, d)
	s.queries = queries{rd: s.readStmts, wr: s.writeStmts, d: d, begin: s.update}
	return s
}

// CountWriteConnections gives a SQLite Store the number of connections
// its write pool has opened so far (the pool must hold at most one at a
// time), which makes change marks possible (core.ChangeMarker): SQLite's
// counters start again on a new connection. Without it, an Update cannot
// tell whether the database changed since an earlier one.
func (s *Store) CountWriteConnections(n func() int64) { s.writeConns = n }

// DB returns the write and read pools.
func (s *Store) DB() (write, read *sql.DB) { return s.write, s.read }

// Dialect returns the store's dialect.
func (s *Store) Dialect() *Dialect { return s.d }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.read.PingContext(ctx) }

// Update runs fn in one write transaction and commits it when fn returns
// nil; otherwise it rolls back and returns fn's error. A transaction the
// database aborted to break a deadlock or a serialization conflict is run
// again, up to 5 times, so fn must have no effect outside the Queries it
// is given. fn must use only those Queries: calling a write method of s
// itself from fn may wait for the connection fn holds.
func (s *Store) Update(ctx context.Context, fn func(q core.Queries) error) error {
	return s.update(ctx, func(q *queries) error { return fn(q) })
}

// update is Update for callers inside the package.
func (s *Store) update(ctx context.Context, fn func(q *queries) error) error {
	var err error
	for range maxAttempts {
		if err = s.updateOnce(ctx, fn); err == nil || !s.d.retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (s *Store) updateOnce(ctx context.Context, fn func(q *queries) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	e := &txExec{tx: tx, base: s.writeStmts, stmts: make(map[string]*sql.Stmt)}
	err = runTx(tx, e, s.d, s.writeConns, fn)
	// Now that the connection is free, prepare what the transaction
	// lacked, for the next one. A failure here only means the statement is
	// prepared again next time.
	for _, query := range e.missed {
		_, _ = s.writeStmts.stmt(context.WithoutCancel(ctx), query)
	}
	return err
}

// runTx runs fn on tx and commits, or rolls back when fn fails or panics.
// conn tells which write connection tx holds (nil: unknown).
func runTx(tx *sql.Tx, e *txExec, d *Dialect, conn func() int64, fn func(q *queries) error) error {
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&queries{rd: e, wr: e, d: d, inTx: true, conn: conn}); err != nil {
		_ = tx.Rollback() // fn's error is the one that matters
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Close closes the statements and both pools.
func (s *Store) Close() error {
	s.readStmts.close()
	s.writeStmts.close()
	errRead := s.read.Close()
	var errWrite error
	if s.write != s.read {
		errWrite = s.write.Close()
	}
	if errWrite != nil {
		return fmt.Errorf("close store: %w", errWrite)
	}
	if errRead != nil {
		return fmt.Errorf("close store: %w", errRead)
	}
	return nil
}
