// Package spool keeps the signals pakyas could not deliver, one file per
// signal, so a later run delivers them and nothing a job reported is lost
// to a network blip. Files are written atomically (a temporary file,
// fsync, rename), named so that their names sort in the order the signals
// happened, and removed only after the server acknowledged them. A signal
// the server refuses for good (api.Refused) is moved to the rejected/
// subdirectory rather than retried forever. The spool is
// bounded: when full, the oldest signals make room for new ones. A signal
// whose check could not be resolved to a public ID is kept by slug and
// resolved when it is replayed.
package spool

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core/api"

	"github.com/pakyas/pakyas/internal/atomicfile"
)

// Defaults bounding a spool.
const (
	DefaultMaxFiles    = 1000
	DefaultMaxBytes    = 32 << 20
	DefaultMaxRejected = 200
	// DefaultMaxAge matches the server's default retention: a server
	// refuses signals older than it keeps.
	DefaultMaxAge = 90 * 24 * time.Hour
)

// RejectedDir is the subdirectory of signals the server refused for good.
const RejectedDir = "rejected"

const (
	ext      = ".json"
	lockName = ".lock"
	// staleTmp is how old a temporary file must be to be a leftover of a
	// crashed writer.
	staleTmp = time.Hour
)

// Entry is one signal that could not be delivered.
type Entry struct {
	APIURL string // the server it is for, e.g. http://127.0.0.1:8484
	Check  string // how the check was named (slug or public ID), for people
	// Ping is the signal; Ping.At is when it happened and is required.
	// Ping.PublicID is empty for a signal whose check could not be
	// resolved (the server was down and nothing was cached): Slug then
	// names it, in the project Org and Project selected (as the command
	// had them, empty when not set), and KeyID is the fingerprint of the
	// API key that may resolve it (config.KeyID; never the key).
	Ping                      api.Ping
	Slug, Org, Project, KeyID string
	Reason                    string // why it was not delivered
	// SavedAt is when it was spooled (set by Add).
	SavedAt time.Time
	// Rejected, for entries in rejected/, says why the server refused it.
	Rejected string
}

// Item is an entry as found on disk.
type Item struct {
	Name  string // file name; names sort in the order signals happened
	Path  string
	Size  int64
	Entry Entry
	// Err is set for a file that cannot be read or parsed; Entry is then
	// empty.
	Err error
}

// Spool is a directory of undelivered signals.
type Spool struct {
	Dir         string
	MaxFiles    int   // 0: DefaultMaxFiles
	MaxBytes    int64 // 0: DefaultMaxBytes
	MaxRejected int   // 0: DefaultMaxRejected
	// MaxAge is how old a signal may be and still be sent; older ones
	// (for a server gone for good, say) are moved to rejected/. 0:
	// DefaultMaxAge.
	MaxAge time.Duration
	Now    func() time.Time
}

// New returns a spool in dir with the default bounds.
func New(dir string) *Spool { return &Spool{Dir: dir} }

func (s *Spool) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Added says where Add put an entry and what it dropped to make room.
type Added struct {
	Path    string
	Dropped []string // names of the oldest entries removed to stay in bounds
}

// Add writes e atomically as a new file. It fails only when the file
// cannot be written; to stay within the bounds it removes the oldest
// entries first and says which.
func (s *Spool) Add(e Entry) (Added, error) {
	if e.APIURL == "" || (e.Ping.PublicID == "" && (e.Slug == "" || e.KeyID == "")) || e.Ping.At.IsZero() {
		return Added{}, errors.New("spool: an entry needs an API URL, a public ID (or a slug and a key ID) and the time it happened")
	}
	e.SavedAt = s.now()
	data, err := json.Marshal(toFile(e))
	if err != nil {
		return Added{}, fmt.Errorf("encode spool entry: %w", err)
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return Added{}, fmt.Errorf("create spool %s: %w", s.Dir, err)
	}
	var res Added
	res.Dropped = s.makeRoom(int64(len(data)))
	name, err := entryName(e.Ping.At)
	if err != nil {
		return res, err
	}
	res.Path = filepath.Join(s.Dir, name)
	if err := atomicfile.Write(res.Path, data, 0o600); err != nil {
		return res, err
	}
	return res, nil
}

// makeRoom removes the oldest entries so that one more of size n fits.
func (s *Spool) makeRoom(n int64) []string {
	items, err := scan(s.Dir)
	if err != nil {
		return nil
	}
	maxFiles, maxBytes := s.MaxFiles, s.MaxBytes
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	var total int64
	for _, it := range items {
		total += it.Size
	}
	var dropped []string
	for len(items) > 0 && (len(items)+1 > maxFiles || total+n > maxBytes) {
		if err := os.Remove(items[0].Path); err == nil || errors.Is(err, fs.ErrNotExist) {
			dropped = append(dropped, items[0].Name)
		}
		total -= items[0].Size
		items = items[1:]
	}
	return dropped
}

// List returns the entries waiting to be delivered, oldest first.
// Unreadable files are returned with Err set.
func (s *Spool) List() ([]Item, error) { return list(s.Dir) }

// ListRejected returns the entries the server refused, oldest first.
func (s *Spool) ListRejected() ([]Item, error) { return list(filepath.Join(s.Dir, RejectedDir)) }

func list(dir string) ([]Item, error) {
	items, err := scan(dir)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].Entry, items[i].Err = readEntry(items[i].Path)
	}
	return items, nil
}

// scan returns the entry files of dir sorted by name, without reading
// them. A missing directory is an empty spool.
func scan(dir string) ([]Item, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read spool %s: %w", dir, err)
	}
	var items []Item
	for _, de := range des {
		name := de.Name()
		if !de.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ext) {
			continue
		}
		it := Item{Name: name, Path: filepath.Join(dir, name)}
		if fi, err := de.Info(); err == nil {
			it.Size = fi.Size()
		}
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	return items, nil
}

// entryName returns a unique file name that sorts by at: the time in unix
// nanoseconds, zero-padded, and random bytes against collisions between
// processes.
func entryName(at time.Time) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	ns := at.UnixNano()
	if ns < 0 {
		ns = 0
	}
	return fmt.Sprintf("%020d-%s%s", ns, hex.EncodeToString(b[:]), ext), nil
}
