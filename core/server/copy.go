package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/pakyas/pakyas/core/store/sqlite"
)

// CopyToPostgres copies the data of a stopped server, the SQLite database
// in dataDir, into the empty PostgreSQL database at databaseURL, in one
// transaction, and returns the row counts of both sides (equal, or it
// fails). The data directory is not changed, but for the acknowledged
// signals a server that stopped abruptly had not applied yet: they are
// applied first.
func CopyToPostgres(ctx context.Context, dataDir, databaseURL string) ([]postgres.Count, error) {
	path := filepath.Join(dataDir, DBFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, core.Errorf(core.ENOTFOUND, "no Pakyas database at %s", path).
			WithHint("pass the server's data directory with --data-dir (PAKYAS_DATA_DIR)")
	}
	src, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	// A server that stopped without applying the signals it acknowledged
	// left them in its inbox (core.Inbox): apply them, so they are copied.
	quiet := New(src, core.SystemClock{}, Config{Logger: log.New(io.Discard, "", 0)})
	for {
		if _, drained, err := quiet.applyInbox(ctx, inboxChunk); err != nil {
			return nil, fmt.Errorf("%s: applying the acknowledged signals left in its inbox: %w", path, err)
		} else if drained {
			break
		}
	}
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
