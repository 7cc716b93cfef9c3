package sqlstore

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is what differs between the databases the store runs on. The
// queries are written once, in the SQL both understand, with '?' or '?N'
// placeholders; a dialect rewrites what the other spells differently.
type Dialect struct {
	// Name is "sqlite" or "postgres"; the migrations are in
	// migrations/<Name>.
	Name string
	// numbered: placeholders are $1, $2, ... (PostgreSQL).
	numbered bool
	// rewrites are replaced in every query, in order, before it is
	// prepared.
	rewrites []rewrite
	// lockRows: reads of checks inside Update lock the rows they return
	// (FOR UPDATE), and claims skip rows another transaction holds (FOR
	// UPDATE SKIP LOCKED), so several server processes can share the
	// database. SQLite serialises write transactions instead.
	lockRows bool
	// migrationLock is run first in the migration transaction, so two
	// processes starting at once migrate one after the other.
	migrationLock string
	// hasTable counts the tables named ? in the current schema (0 or 1).
	hasTable string

	conflict, missingRef, retryable func(error) bool
	// constraint names the rule a conflict broke, with its columns.
	constraint func(error) string
}

type rewrite struct {
	from *regexp.Regexp
	to   string
}

// SQLite is the embedded database (modernc.org/sqlite).
var SQLite = &Dialect{
	Name:     "sqlite",
	hasTable: `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`,
	conflict: func(err error) bool {
		c := sqliteCode(err)
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	missingRef: func(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY },
	retryable:  func(error) bool { return false }, // writes are serialised: no deadlock to retry
	// "UNIQUE constraint failed: checks.project_id, checks.slug"
	constraint: func(err error) string { return err.Error() },
}

// Postgres is PostgreSQL through jackc/pgx/v5's database/sql driver.
var Postgres = &Dialect{
	Name:     "postgres",
	numbered: true,
	rewrites: []rewrite{
		// A parameter compared with NULL alone has no type to infer.
		{regexp.MustCompile(`(\?\d+) IS NULL`), "$1::text IS NULL"},
		// A JSON array parameter as a set of values.
		{regexp.MustCompile(`SELECT value FROM json_each\((\?\d+)\)`), "SELECT json_array_elements_text($1::json)"},
		// PostgreSQL's CROSS JOIN takes no ON; SQLite's fixes the loop order.
		{regexp.MustCompile(`CROSS JOIN`), "JOIN"},
	},
	lockRows: true,
	// Any constant shared by every pakyas: "pakyas" in ASCII.
	migrationLock: "SELECT pg_advisory_xact_lock(112971684464627)",
	hasTable:      `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`,
	conflict:      func(err error) bool { return pgCode(err) == "23505" }, // unique_violation
	missingRef:    func(err error) bool { return pgCode(err) == "23503" }, // foreign_key_violation
	retryable: func(err error) bool {
		c := pgCode(err)
		return c == "40001" || c == "40P01" // serialization_failure, deadlock_detected
	},
	// "checks_project_id_slug_key"
	constraint: func(err error) string {
		var e *pgconn.PgError
		if errors.As(err, &e) {
			return e.ConstraintName
		}
		return ""
	},
}

// SQL returns query as d runs it.
func (d *Dialect) SQL(query string) string {
	for _, r := range d.rewrites {
		query = r.from.ReplaceAllString(query, r.to)
	}
	if d.numbered {
		query = numberPlaceholders(query)
	}
	return query
}

// forUpdate is the locking clause of a read inside Update, "" when the
// dialect does not lock rows.
func (d *Dialect) forUpdate(inTx bool) string {
	if d.lockRows && inTx {
		return " FOR UPDATE"
	}
	return ""
}

// skipLocked is the clause of a claim inside Update.
func (d *Dialect) skipLocked(inTx bool) string {
	if d.lockRows && inTx {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// skipLockedOf is the clause of a claim that locks the rows of one table
// of a join and skips those another transaction holds.
func (d *Dialect) skipLockedOf(table string) string {
	if d.lockRows {
		return " FOR UPDATE OF " + table + " SKIP LOCKED"
	}
	return ""
}

// numberPlaceholders turns '?N' into '$N' and each bare '?' into the next
// '$N', outside string literals.
func numberPlaceholders(q string) string {
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j > i+1 {
				b.WriteString("$" + q[i+1:j])
			} else {
				n++
				b.WriteString("$" + strconv.Itoa(n))
			}
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func sqliteCode(err error) int {
	var e *sqlitedriver.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
