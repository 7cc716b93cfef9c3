// Package atomicfile writes files so that a reader, or a crash, sees the
// old content or the new, never a part: the config, the slug cache, the
// spool and the --dev key file all go through Write.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// tempMarker is in the name of every temporary file Write creates, so
// directory scanners (the spool) can tell them apart.
const tempMarker = ".tmp-"

// Write writes data to path: a temporary file in the same directory with
// mode perm, fsync, rename over path, and an fsync of the directory where
// the system allows it. The directory is created with mode 0700 if missing.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tempMarker+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(perm) // CreateTemp makes 0600; perm may be wider
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// IsTemp reports whether a file name is one of Write's temporary files
// (left behind only by a crash in the middle of a write).
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMarker)
}

// syncDir makes a rename in dir durable; not every system can (Windows).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
