package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Tables are the tables of the schema in the order rows can be copied
// (a row's parents first).
var Tables = []string{"users", "orgs", "memberships", "projects", "api_keys", "checks", "channels", "timeline", "alerts"}

// Count is how many rows a table has in the source and the copy.
type Count struct {
	Table          string
	Source, Copied int64
}

// CopyFrom copies every row of src, a Pakyas SQLite database (the read
// side of a sqlite.Store), into s, which must be empty, in one
// transaction: the copy is whole or not there at all. It then counts the
// rows of each table on both sides and fails when they differ. The
// server that writes src must be stopped.
func (s *Store) CopyFrom(ctx context.Context, src *sql.DB) ([]Count, error) {
	var users int64
	if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&users); err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	if users > 0 {
		return nil, errors.New("copy: the PostgreSQL database already holds Pakyas data; copy into an empty database")
	}
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	defer conn.Close()
	var counts []Count
	err = conn.Raw(func(dc any) error {
		pg := dc.(*stdlib.Conn).Conn()
		tx, err := pg.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
		for _, table := range Tables {
			n, err := copyTable(ctx, src, tx, table)
			if err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
			counts = append(counts, Count{Table: table, Source: n})
		}
		// The copied rows kept their IDs: new ones start after them.
		for _, table := range []string{"timeline", "alerts"} {
			if _, err := tx.Exec(ctx, fmt.Sprintf(
				"SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), coalesce((SELECT max(id) FROM %[1]s), 0) + 1, false)", table)); err != nil {
				return fmt.Errorf("copy %s: sequence: %w", table, err)
			}
		}
		for i := range counts {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+counts[i].Table).Scan(&counts[i].Copied); err != nil {
				return err
			}
			if counts[i].Copied != counts[i].Source {
				return fmt.Errorf("copy %s: %d rows in the copy, %d in the source", counts[i].Table, counts[i].Copied, counts[i].Source)
			}
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// copyTable streams the rows of table from src into tx (COPY), and
// returns how many it read.
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, table string) (int64, error) {
	rows, err := src.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	it := &rowSource{rows: rows, vals: make([]any, len(cols)), bools: map[int]bool{}}
	for i, c := range cols {
		if c == "truncated" { // INTEGER 0/1 in SQLite, BOOLEAN here
			it.bools[i] = true
		}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, it)
	if err != nil {
		return n, err
	}
	if it.err != nil {
		return n, it.err
	}
	return n, rows.Err()
}

// rowSource is a pgx.CopyFromSource over *sql.Rows.
type rowSource struct {
	rows  *sql.Rows
	vals  []any
	bools map[int]bool
	err   error
}

func (r *rowSource) Next() bool { return r.err == nil && r.rows.Next() }

func (r *rowSource) Values() ([]any, error) {
	ptrs := make([]any, len(r.vals))
	for i := range r.vals {
		ptrs[i] = &r.vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = err
		return nil, err
	}
	// Scan into *any copies []byte values, so the row is ours to keep.
	out := make([]any, len(r.vals))
	for i, v := range r.vals {
		if r.bools[i] {
			n, _ := v.(int64)
			v = n != 0
		} else if s, ok := v.(string); ok {
			v = pgText(s)
		}
		out[i] = v
	}
	return out, nil
}

// pgText returns s as PostgreSQL's TEXT takes it: invalid UTF-8 as
// U+FFFD, without NUL. SQLite keeps both, and servers stored them from
// pings (User-Agent, ?host=) and the API (a key's name, a pause's reason)
// before those were cleaned or refused; kept, they failed the whole copy.
func pgText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

func (r *rowSource) Err() error { return r.err }
