package spool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pakyas/pakyas/core/api"

	"github.com/pakyas/pakyas/internal/atomicfile"
)

// Sender delivers one spooled signal; it returns nil once the server
// acknowledged it.
type Sender func(ctx context.Context, e Entry) error

// ErrHeld is wrapped by a Sender's error for an entry it cannot send now
// for reasons of its own, not the server's: a signal kept by slug when
// this process has another API key, say. The entry and the later ones of
// the same check wait for another replay; other checks go on.
var ErrHeld = errors.New("held")

// ErrTooOld is wrapped by the reason of an entry older than Spool.MaxAge.
var ErrTooOld = errors.New("too old to deliver")

// Rejection is an entry moved to rejected/ and why.
type Rejection struct {
	Item
	Err error
}

// Message says, for people, what was rejected and why: a file that is not
// a spool entry, or the server's refusal of a signal.
func (r Rejection) Message() string {
	if r.Entry.APIURL == "" {
		return fmt.Sprintf("the spool file %s is not a valid signal (%v)", r.Name, r.Err)
	}
	return fmt.Sprintf("the server refused a spooled %s signal of %s (it happened at %s): %v",
		Describe(r.Entry.Ping), r.Entry.Name(), r.Entry.Ping.At.Local().Format("2006-01-02 15:04:05 MST"), r.Err)
}

// Name is how the entry names its check for people: as the command named
// it, else its slug or public ID.
func (e Entry) Name() string {
	switch {
	case e.Check != "":
		return e.Check
	case e.Slug != "":
		return e.Slug
	}
	return e.Ping.PublicID
}

// Report says what Replay did.
type Report struct {
	Delivered []Item
	Rejected  []Rejection
	// Pending is how many entries are still waiting.
	Pending int
	// Unreachable holds, per API URL, the error that stopped delivery to
	// that server (its later entries wait for the next replay, in order).
	Unreachable map[string]error
	// Held holds, per check (API URL and name), why its entries wait
	// (ErrHeld).
	Held map[string]error
	// Busy: another pakyas process is replaying this spool; nothing was
	// done.
	Busy bool
}

// Replay delivers the spooled signals with send, oldest first, until
// they are all sent or ctx is done. An entry is removed only after send
// returned nil. The server's refusal (api.Refused), a corrupt file and
// an entry older than MaxAge move the entry to rejected/. An error
// wrapping ErrHeld holds back that check's entries; any other error stops
// delivery to that entry's server, so that signals to one server keep
// their order; entries for other servers are still tried. Only one process replays a spool at
// a time; the others return at once with Busy set.
func (s *Spool) Replay(ctx context.Context, send Sender) (Report, error) {
	var rep Report
	// The common case, an empty or missing spool, costs one ReadDir.
	items, err := scan(s.Dir)
	if err != nil || len(items) == 0 {
		return rep, err
	}
	unlock, ok, err := lockDir(filepath.Join(s.Dir, lockName))
	if err != nil {
		return rep, err
	}
	if !ok {
		rep.Busy, rep.Pending = true, len(items)
		return rep, nil
	}
	defer unlock()
	// Rescan under the lock: another process may have finished meanwhile.
	if items, err = scan(s.Dir); err != nil {
		return rep, err
	}
	maxAge := s.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	for i, it := range items {
		if ctx.Err() != nil {
			rep.Pending += len(items) - i
			break
		}
		e, err := readEntry(it.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // dropped by Add to make room, or delivered by another process
		}
		if err != nil {
			s.reject(it, Entry{}, err, &rep)
			continue
		}
		it.Entry = e
		if s.now().Sub(e.Ping.At) > maxAge {
			s.reject(it, e, fmt.Errorf("%w: it happened more than %s ago", ErrTooOld, maxAge), &rep)
			continue
		}
		check := e.APIURL + " " + e.Name()
		_, stopped := rep.Unreachable[e.APIURL]
		if _, held := rep.Held[check]; stopped || held {
			rep.Pending++
			continue
		}
		err = send(ctx, e)
		switch {
		case err == nil:
			if rerr := os.Remove(it.Path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				return rep, fmt.Errorf("remove delivered spool entry: %w", rerr)
			}
			rep.Delivered = append(rep.Delivered, it)
		case api.Refused(err):
			s.reject(it, e, err, &rep)
		case errors.Is(err, ErrHeld):
			if rep.Held == nil {
				rep.Held = map[string]error{}
			}
			rep.Held[check] = err
			rep.Pending++
		default:
			if rep.Unreachable == nil {
				rep.Unreachable = map[string]error{}
			}
			rep.Unreachable[e.APIURL] = err
			rep.Pending++
		}
	}
	s.removeStaleTmp()
	return rep, nil
}

// reject moves an entry to rejected/ with the reason, keeping at most
// MaxRejected there.
func (s *Spool) reject(it Item, e Entry, why error, rep *Report) {
	rep.Rejected = append(rep.Rejected, Rejection{Item: it, Err: why})
	dir := filepath.Join(s.Dir, RejectedDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	dst := filepath.Join(dir, it.Name)
	if errors.Is(why, ErrCorrupt) || e.APIURL == "" {
		// Keep the bytes as they were, for a person to look at.
		_ = os.Rename(it.Path, dst)
	} else {
		e.Rejected = why.Error()
		data, err := json.Marshal(toFile(e))
		if err == nil && atomicfile.Write(dst, data, 0o600) == nil {
			_ = os.Remove(it.Path)
		} else {
			_ = os.Rename(it.Path, dst)
		}
	}
	keep := s.MaxRejected
	if keep <= 0 {
		keep = DefaultMaxRejected
	}
	if old, err := scan(dir); err == nil && len(old) > keep {
		for _, o := range old[:len(old)-keep] {
			_ = os.Remove(o.Path)
		}
	}
}

// removeStaleTmp removes temporary files a crashed writer left behind.
func (s *Spool) removeStaleTmp() {
	des, err := os.ReadDir(s.Dir)
	if err != nil {
		return
	}
	cutoff := s.now().Add(-staleTmp)
	for _, de := range des {
		if !atomicfile.IsTemp(de.Name()) {
			continue
		}
		if fi, err := de.Info(); err == nil && fi.ModTime().Before(cutoff) {
			_ = os.Remove(filepath.Join(s.Dir, de.Name()))
		}
	}
}

// Describe returns a short description of an entry's signal for people:
// "start", "success", "fail", "exit 2" or "log".
func Describe(p api.Ping) string {
	switch p.Kind {
	case "":
		return "success"
	case "start", "fail", "log":
		return p.Kind
	case "0":
		return "success (exit 0)"
	}
	return "exit " + p.Kind
}

// Age returns how long ago an entry's signal happened, rounded for people.
func Age(e Entry, now time.Time) time.Duration {
	return now.Sub(e.Ping.At).Round(time.Second)
}
