package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pakyas/pakyas/core"
)

// notFound returns the ENOTFOUND error for a missing what ("check").
func notFound(what string) error {
	return core.Errorf(core.ENOTFOUND, "%s not found", what)
}

// lookupErr turns err from a single-row lookup into ENOTFOUND for what when
// there was no row, and wraps it with op otherwise.
func lookupErr(op, what string, err error) error {
	if isNoRows(err) {
		return notFound(what)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// writeErr turns err from a write into ECONFLICT with message conflict when
// it broke a uniqueness rule, into ENOTFOUND with message missing when it
// referred to a row that does not exist, and wraps it with op otherwise.
// An empty message leaves that case wrapped.
func (q *queries) writeErr(op string, err error, conflict, missing string) error {
	switch {
	case err == nil:
		return nil
	case conflict != "" && q.d.conflict(err):
		return core.Errorf(core.ECONFLICT, "%s", conflict)
	case missing != "" && q.d.missingRef(err):
		return core.Errorf(core.ENOTFOUND, "%s", missing)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// affected returns ENOTFOUND for what when res changed no row.
func affected(op, what string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}

// isNoRows reports whether err says a lookup found no row.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
