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
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
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
		// Not err itself: pgx hides the password in only some of the
		// strings it cannot parse.
		return nil, errors.New("open store: --database-url cannot be parsed: use postgres://USER:PASSWORD@HOST:5432/DB or host=HOST user=USER password=PASSWORD dbname=DB")
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

// Redact returns what databaseURL connects to, as a URL with the user,
// host, port and database only, to show in messages: never its password,
// in whatever form the string gives it (postgres://user:password@...,
// ?password=..., or a key=value string, quoted or not). A password is
// shown as xxxxx; a string Open cannot parse is not shown at all.
func Redact(databaseURL string) string {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return "(the --database-url, which cannot be parsed)"
	}
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), Path: "/" + cfg.Database}
	switch {
	case cfg.Password != "":
		u.User = url.UserPassword(cfg.User, "xxxxx")
	case cfg.User != "":
		u.User = url.User(cfg.User)
	}
	return u.String()
}

// DB returns the connection pool.
func (s *Store) DB() *sql.DB {
	db, _ := s.Store.DB()
	return db
}
