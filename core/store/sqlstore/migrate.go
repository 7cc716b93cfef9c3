package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// ErrNewerSchema is returned (wrapped) by Open when the database has a
// schema migration this binary does not know: it was written by a newer
// Pakyas, and an older one must not guess at its tables.
var ErrNewerSchema = errors.New("database schema is newer than this binary")

// ErrOlderSchema is returned (wrapped) by CheckSchema when the database
// lacks migrations this binary has: it was written by an older Pakyas.
var ErrOlderSchema = errors.New("database schema is older than this binary")

// migration is one embedded schema change, migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns d's embedded migrations in version order.
func migrations(d *Dialect) ([]migration, error) {
	return loadMigrations(migrationFS, "migrations/"+d.Name)
}

// loadMigrations reads the NNNN_name.sql files of dir in fsys.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// Migrate applies the embedded migrations of d that db lacks, in order,
// in one transaction, and records each in schema_migrations. Processes
// starting at once on one database migrate one after the other: SQLite's
// write lock or PostgreSQL's advisory lock is taken first. It fails with
// ErrNewerSchema when db has a migration this binary does not know.
func Migrate(ctx context.Context, db *sql.DB, d *Dialect) error {
	ms, err := migrations(d)
	if err != nil {
		return err
	}
	return applyMigrations(ctx, db, d, ms, time.Now)
}

// applyMigrations is Migrate with the migrations and the clock given.
func applyMigrations(ctx context.Context, db *sql.DB, d *Dialect, ms []migration, now func() time.Time) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
	}

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}

	todo, err := pending(ms, applied)
	if err != nil {
		return err
	}
	for _, m := range todo {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, d.SQL(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
			m.version, now().UnixNano()); err != nil {
			return fmt.Errorf("migrate %s: record: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// CheckSchema reports, without changing db, whether its schema is the one
// this binary migrates to: nil, or an error wrapping ErrOlderSchema (a
// migration is missing, or db has no schema at all) or ErrNewerSchema.
func CheckSchema(ctx context.Context, db *sql.DB, d *Dialect) error {
	ms, err := migrations(d)
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	var tables int
	if err := db.QueryRowContext(ctx, d.SQL(d.hasTable), "schema_migrations").Scan(&tables); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if tables == 0 {
		return fmt.Errorf("%w (no Pakyas schema, this binary migrates to version %d)", ErrOlderSchema, latest)
	}
	applied, err := appliedVersions(ctx, db)
	if err != nil {
		return err
	}
	todo, err := pending(ms, applied)
	if err != nil {
		return err
	}
	if len(todo) > 0 {
		return fmt.Errorf("%w (it lacks migration %s, this binary migrates to version %d)", ErrOlderSchema, todo[0].name, latest)
	}
	return nil
}

// pending returns the migrations of ms that applied (the versions a
// database records) lacks, in order, or an error wrapping ErrNewerSchema
// when it records one that ms does not know.
func pending(ms []migration, applied []int) ([]migration, error) {
	known := make(map[int]bool, len(ms))
	for _, m := range ms {
		known[m.version] = true
	}
	for _, v := range applied {
		if !known[v] {
			return nil, fmt.Errorf("%w (version %d, this binary knows up to %d): upgrade pakyas to open it",
				ErrNewerSchema, v, ms[len(ms)-1].version)
		}
	}
	var todo []migration
	for _, m := range ms {
		if !slices.Contains(applied, m.version) {
			todo = append(todo, m)
		}
	}
	return todo, nil
}

// appliedVersions returns the versions recorded in schema_migrations.
func appliedVersions(ctx context.Context, tx interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read versions: %w", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("migrate: read versions: %w", err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read versions: %w", err)
	}
	return vs, nil
}
