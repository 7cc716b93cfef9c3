package external

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ChecksumKey is the host-owned key of a [targets.<name>] table that pins
// the plugin executable's SHA-256. It is removed before the plugin gets
// its table.
const ChecksumKey = "sha256"

// ErrWritable means a plugin executable can be changed by other users;
// running it would run their code as you.
var ErrWritable = errors.New("plugin executable is writable by other users")

// ErrOwner means a plugin executable belongs to a user other than you and
// root: its owner can change it, and running it would run their code as
// you.
var ErrOwner = errors.New("plugin executable is owned by another user")

// ErrChecksum means a plugin executable is not the one its sha256 pin
// names.
var ErrChecksum = errors.New("plugin executable does not match its sha256 pin")

// Verify refuses a plugin executable that group or others may write to or
// that another user than you or root owns (on Unix) and, when want is not
// empty, one whose SHA-256 is not want (hex, any case). The errors wrap
// ErrWritable, ErrOwner or ErrChecksum and say how to fix it.
func Verify(path, want string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("check plugin %s: %w", path, err)
	}
	if err := checkWriters(path, fi, os.Getuid()); err != nil {
		return err
	}
	if want == "" {
		return nil
	}
	got, err := FileSHA256(path)
	if err != nil {
		return err
	}
	if !strings.EqualFold(got, strings.TrimSpace(want)) {
		return fmt.Errorf("refusing to run %s: %w: its SHA-256 is %s, the pin is %s; if you upgraded the plugin on purpose, set sha256 = %q",
			path, ErrChecksum, got, want, got)
	}
	return nil
}

// FileSHA256 returns the hex SHA-256 of the file at path.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
