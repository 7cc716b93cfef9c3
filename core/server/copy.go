package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/pakyas/pakyas/core/store/sqlite"
)

// CopyToPostgres copies the data of a stopped server, the SQLite database
// in dataDir, into the empty PostgreSQL database at databaseURL, in one
// transaction, and returns the row counts of both sides (equal, or it
// fails). Text PostgreSQL refuses (invalid UTF-8, NUL) is copied cleaned
// (postgres.Store.CopyFrom). The data directory is not changed: it is
// refused (EINVALID) while a server has it open, whose rows written
// meanwhile would be missing from the copy, and when its schema is not
// this version's, which only a server may migrate.
func CopyToPostgres(ctx context.Context, dataDir, databaseURL string) ([]postgres.Count, error) {
	path := filepath.Join(dataDir, DBFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, core.Errorf(core.ENOTFOUND, "no Pakyas database at %s", path).
			WithHint("pass the server's data directory with --data-dir (PAKYAS_DATA_DIR)")
	}
	src, err := sqlite.OpenReadOnly(ctx, path)
	switch {
	case errors.Is(err, sqlite.ErrInUse):
		return nil, core.Errorf(core.EINVALID, "%v", err).
			WithHint("stop the server that uses %s first (what it writes during the copy would be lost from it), then run pakyas server copy again", dataDir)
	case errors.Is(err, sqlite.ErrOlderSchema):
		return nil, core.Errorf(core.EINVALID, "%v", err).
			WithHint("copy with the pakyas version that wrote it, or upgrade it first: back up %s, run this version's `pakyas server --data-dir %s` once and stop it, then copy", dataDir, dataDir)
	case errors.Is(err, sqlite.ErrNewerSchema):
		return nil, core.Errorf(core.EINVALID, "%v", err).
			WithHint("copy with the pakyas version that wrote it, or a newer one")
	case err != nil:
		return nil, err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, databaseURL)
	if err != nil {
		return nil, core.Errorf(core.EUNAVAILABLE, "%v", err).
			WithHint("check --database-url (PAKYAS_DATABASE_URL) and that the server accepts connections")
	}
	defer dst.Close()
	_, read := src.DB()
	counts, err := dst.CopyFrom(ctx, read)
	if err != nil {
		return nil, fmt.Errorf("%s to %s: %w", path, postgres.Redact(databaseURL), err)
	}
	return counts, nil
}
