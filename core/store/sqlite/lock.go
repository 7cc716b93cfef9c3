package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrInUse is returned (wrapped) by Open when OpenReadOnly has the
// database, and by OpenReadOnly when an Open store (a running server)
// has it.
var ErrInUse = errors.New("the database is in use by another process")

// lockPath is the lock file of the database at path. A Store from Open
// holds a shared lock on it while it is open, one from OpenReadOnly an
// exclusive one: SQLite's own locks are held only during transactions,
// and say nothing of a server between two of them.
func lockPath(path string) string { return path + ".lock" }

// lockShared takes the shared lock of an Open store, creating the lock
// file (0600) when missing; close the file returned to release it.
func lockShared(path string) (*os.File, error) {
	return lock(path, false, "`pakyas server copy` is reading it")
}

// lockExclusive takes the exclusive lock of an OpenReadOnly store. It
// does not create the lock file: no store has been opened by Open since
// it was removed, or ever, when it is missing (then it returns nil).
func lockExclusive(path string) (*os.File, error) {
	return lock(path, true, "a running pakyas server (or another command) has it open")
}

// lock takes the lock of the database at path, shared or exclusive;
// holder says who has it when another process does.
func lock(path string, exclusive bool, holder string) (*os.File, error) {
	flag := os.O_RDWR | os.O_CREATE
	if exclusive {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(lockPath(path), flag, 0o600)
	if exclusive && errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	ok, err := lockFile(f, exclusive)
	switch {
	case err != nil:
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", lockPath(path), err)
	case !ok:
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrInUse, holder)
	}
	return f, nil
}
