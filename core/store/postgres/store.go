// Package postgres is core.Store on PostgreSQL, through jackc/pgx/v5, for
// several `pakyas server` processes sharing one database. The queries are
// core/store/sqlstore's, shared with SQLite; what PostgreSQL adds is row
// locking: reads of checks inside a transaction lock them in a stable
// order, claims of due checks and alerts skip rows another process holds,
// and a transaction aborted by a deadlock is run again.
package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/sqlstore"
)

// ErrNewerSchema is returned (wrapped) by Open when the database was
// migrated by a newer Pakyas.
var ErrNewerSchema = sqlstore.ErrNewerSchema

// Store is a core.Store in a PostgreSQL database. It is safe for
// concurrent use, and by several processes on one database.
type Store struct {
	*sqlstore.Store
}

var _ core.Store = (*Store)(nil)

// MaxConns is the size of a Store's connection pool.
const MaxConns = 16

// Open connects to the database at databaseURL (postgres://user@host/db
// or a key=value string, as libpq takes) and brings its schema up to date;
// processes starting at once migrate one after the other (an advisory
// lock). It fails when the database was migrated by a newer Pakyas.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open store: --database-url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", Redact(databaseURL), err)
	}
	if err := sqlstore.Migrate(ctx, db, sqlstore.Postgres); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", Redact(databaseURL), err)
	}
	return &Store{Store: sqlstore.New(sqlstore.Postgres, db, db)}, nil
}

// Redact returns databaseURL without its password, to show in messages.
func Redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.User == nil {
		return databaseURL
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// DB returns the connection pool.
func (s *Store) DB() *sql.DB {
	db, _ := s.Store.DB()
	return db
}
