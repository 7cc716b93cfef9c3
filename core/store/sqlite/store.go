// Package sqlite is the embedded core.Store: one SQLite file (pure Go, no
// cgo) in WAL mode with synchronous=FULL, so a nil return from a write means
// the data survives a crash of the process and of the machine.
//
// Writes go through one dedicated connection, which serialises them; reads
// use a separate pool and never wait for a writer. Statements are prepared
// once per Store and reused.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pakyas/pakyas/core"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// busyTimeoutMS is how long a connection waits for a lock held by another
// process (a backup, the sqlite3 shell) before it fails with SQLITE_BUSY.
const busyTimeoutMS = 10_000

// Store is a core.Store kept in one SQLite database file. It is safe for
// concurrent use.
type Store struct {
	path  string
	write *sql.DB // one connection: every write, serialised
	read  *sql.DB // a pool for lookups outside Update

	writeStmts *stmtCache
	readStmts  *stmtCache

	// queries runs the core.Queries methods called on the Store itself:
	// lookups on the read pool, writes on the write connection.
	queries
}

var _ core.Store = (*Store)(nil)

// Open opens the database at path, creating it and its directory (0700)
// when missing, and brings its schema up to date. It fails when the
// database was written by a newer Pakyas (see ErrNewerSchema).
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := private(abs); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	s := &Store{path: abs}
	// _txlock=immediate: every write transaction takes the write lock at
	// BEGIN, so it cannot fail later when upgrading a read lock.
	if s.write, err = sql.Open("sqlite", dsn(abs, "_txlock=immediate")); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetMaxIdleConns(1)
	s.write.SetConnMaxIdleTime(0)
	s.write.SetConnMaxLifetime(0)

	if err := migrate(ctx, s.write); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	// query_only: a read connection refuses to write, so a write method
	// routed to the wrong pool fails loudly instead of racing the writer.
	if s.read, err = sql.Open("sqlite", dsn(abs, "_query_only=1")); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.read.SetMaxOpenConns(n)
	s.read.SetMaxIdleConns(n)
	if err := s.read.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	s.writeStmts = newStmtCache(s.write)
	s.readStmts = newStmtCache(s.read)
	s.queries = queries{rd: s.readStmts, wr: s.writeStmts, begin: s.update}
	return s, nil
}

// dsn returns the data source name of the database file at path. The
// pragmas are in the DSN so that every pooled connection gets them, also
// one the pool opens long after Open.
func dsn(path string, extra ...string) string {
	u := url.URL{Path: path} // escapes '?', '#' and '%' in the path
	s := "file:" + u.EscapedPath() +
		fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeoutMS) +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)"
	for _, e := range extra {
		s += "&" + e
	}
	return s
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Update runs fn in one write transaction (BEGIN IMMEDIATE on the write
// connection) and commits it when fn returns nil; otherwise it rolls back
// and returns fn's error. fn must use only the Queries it is given: calling
// a write method of s itself from fn waits for the connection fn holds.
func (s *Store) Update(ctx context.Context, fn func(q core.Queries) error) error {
	return s.update(ctx, func(q *queries) error { return fn(q) })
}

// update is Update for callers inside the package.
func (s *Store) update(ctx context.Context, fn func(q *queries) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	e := &txExec{tx: tx, base: s.writeStmts, stmts: make(map[string]*sql.Stmt)}
	err = runTx(tx, e, fn)
	// Now that the write connection is free, prepare what the transaction
	// lacked, for the next one. A failure here only means the statement is
	// prepared again next time.
	for _, query := range e.missed {
		_, _ = s.writeStmts.stmt(context.WithoutCancel(ctx), query)
	}
	return err
}

// runTx runs fn on tx and commits, or rolls back when fn fails or panics.
func runTx(tx *sql.Tx, e *txExec, fn func(q *queries) error) error {
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&queries{rd: e, wr: e}); err != nil {
		_ = tx.Rollback() // fn's error is the one that matters
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Close closes the database. It is safe to call once all users are done.
func (s *Store) Close() error {
	if s.readStmts != nil {
		s.readStmts.close()
	}
	if s.writeStmts != nil {
		s.writeStmts.close()
	}
	var errRead, errWrite error
	if s.read != nil {
		errRead = s.read.Close()
	}
	if s.write != nil {
		errWrite = s.write.Close()
	}
	if errWrite != nil {
		return fmt.Errorf("close store %s: %w", s.path, errWrite)
	}
	if errRead != nil {
		return fmt.Errorf("close store %s: %w", s.path, errRead)
	}
	return nil
}

// private makes the database file (created empty if missing) and its
// -wal and -shm files, if any, readable by their owner only: they hold
// job output, webhook URLs and email addresses. SQLite creates the -wal
// and -shm files with the mode of the database file.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
