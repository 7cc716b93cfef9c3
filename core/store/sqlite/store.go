// Package sqlite is the embedded core.Store: one SQLite file (pure Go, no
// cgo) in WAL mode with synchronous=FULL, so a nil return from a write means
// the data survives a crash of the process and of the machine.
//
// Writes go through one dedicated connection, which serialises them; reads
// use a separate pool and never wait for a writer. The queries are
// core/store/sqlstore's, shared with PostgreSQL.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"

	msqlite "modernc.org/sqlite" // also registers the "sqlite" driver

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/sqlstore"
)

// busyTimeoutMS is how long a connection waits for a lock held by another
// process (a backup, the sqlite3 shell) before it fails with SQLITE_BUSY.
const busyTimeoutMS = 10_000

// ErrNewerSchema is returned (wrapped) by Open and OpenReadOnly when the
// database was written by a newer Pakyas.
var ErrNewerSchema = sqlstore.ErrNewerSchema

// ErrOlderSchema is returned (wrapped) by OpenReadOnly when the database
// was written by an older Pakyas (Open would migrate it).
var ErrOlderSchema = sqlstore.ErrOlderSchema

// Store is a core.Store kept in one SQLite database file. It is safe for
// concurrent use.
type Store struct {
	*sqlstore.Store
	path string
	lock *os.File // held while the store is open; nil: none
}

var _ core.Store = (*Store)(nil)

// Open opens the database at path, creating it and its directory (0700)
// when missing, and brings its schema up to date. It fails when the
// database was written by a newer Pakyas (see ErrNewerSchema), and while
// OpenReadOnly has it (ErrInUse). Several stores, in one process or
// several, may have one database open.
func Open(ctx context.Context, path string) (st *Store, err error) {
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
	lock, err := lockShared(abs)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			lock.Close()
		}
	}()

	// _txlock=immediate: every write transaction takes the write lock at
	// BEGIN, so it cannot fail later when upgrading a read lock.
	base, err := msqlite.NewConnector(dsn(abs, "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	conns := &countingConnector{Connector: base}
	write := sql.OpenDB(conns)
	// One connection: every write, serialised.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)

	if err := sqlstore.Migrate(ctx, write, sqlstore.SQLite); err != nil {
		write.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	// query_only: a read connection refuses to write, so a write method
	// routed to the wrong pool fails loudly instead of racing the writer.
	read, err := sql.Open("sqlite", dsn(abs, "_query_only=1"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	sst := sqlstore.New(sqlstore.SQLite, write, read)
	sst.CountWriteConnections(conns.n.Load)
	return &Store{Store: sst, path: abs, lock: lock}, nil
}

// OpenReadOnly opens the existing database at path for reading, leaving
// it as it is: it creates, migrates and chmods nothing, and holds a lock
// that keeps Open out until Close, so the data does not change under it
// (its write methods fail). It fails when the database does not exist,
// when an Open store has it (ErrInUse: a running server), and when its
// schema is not the one this binary migrates to (ErrOlderSchema,
// ErrNewerSchema).
func OpenReadOnly(ctx context.Context, path string) (st *Store, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	lock, err := lockExclusive(abs)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	defer func() {
		if err != nil && lock != nil {
			lock.Close()
		}
	}()
	db, err := sql.Open("sqlite", readOnlyDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := sqlstore.CheckSchema(ctx, db, sqlstore.SQLite); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Store{Store: sqlstore.New(sqlstore.SQLite, db, db), path: abs, lock: lock}, nil
}

// readOnlyDSN is dsn for OpenReadOnly. With no write-ahead log beside the
// database (the server stopped cleanly), the file is opened immutable:
// SQLite then creates no -wal and -shm files either. (The lock keeps
// servers of this version out while it is open.) With one, SQLite reads
// it too, as it must: it holds committed data.
func readOnlyDSN(path string) string {
	u := url.URL{Path: path}
	s := "file:" + u.EscapedPath() + "?mode=ro" + fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeoutMS)
	if _, err := os.Stat(path + "-wal"); errors.Is(err, fs.ErrNotExist) {
		s += "&immutable=1"
	}
	return s
}

// Close closes the store and releases its lock.
func (s *Store) Close() error {
	err := s.Store.Close()
	if s.lock != nil {
		s.lock.Close()
	}
	return err
}

// countingConnector counts the connections it opens: the write pool may
// replace its connection (after one was interrupted, say), and a change
// mark (core.ChangeMarker) must tell the new one from the old, whose
// counters it does not continue.
type countingConnector struct {
	driver.Connector
	n atomic.Int64
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err == nil {
		c.n.Add(1)
	}
	return conn, err
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
		"&_pragma=foreign_keys(1)" +
		"&_pragma=temp_store(MEMORY)"
	for _, e := range extra {
		s += "&" + e
	}
	return s
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

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
