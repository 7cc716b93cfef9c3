package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pakyas/pakyas/core/api"
)

// fileVersion is the version of the on-disk format: 2 added the slug,
// selection and key ID of entries kept by slug. Version 1 files are read
// as they are.
const fileVersion = 2

// maxFileSize bounds what is read of one file: a ping body is at most
// 100,000 bytes, base64 makes it a third larger.
const maxFileSize = 1 << 20

// file is the on-disk form of an Entry, one JSON object per file.
type file struct {
	Version    int       `json:"version"`
	APIURL     string    `json:"api_url"`
	Check      string    `json:"check,omitempty"`
	PublicID   string    `json:"public_id,omitempty"`
	Slug       string    `json:"slug,omitempty"`
	Org        string    `json:"org,omitempty"`
	Project    string    `json:"project,omitempty"`
	KeyID      string    `json:"key_id,omitempty"`
	Kind       string    `json:"kind,omitempty"` // "" success, start, fail, log or an exit code
	RunID      string    `json:"rid,omitempty"`
	Host       string    `json:"host,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	At         time.Time `json:"at"` // when the signal happened
	Body       []byte    `json:"body,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	SavedAt    time.Time `json:"saved_at"`
	Rejected   string    `json:"rejected,omitempty"`
}

func toFile(e Entry) file {
	return file{
		Version: fileVersion, APIURL: e.APIURL, Check: e.Check,
		PublicID: e.Ping.PublicID, Slug: e.Slug, Org: e.Org, Project: e.Project, KeyID: e.KeyID, Kind: e.Ping.Kind, RunID: e.Ping.RunID, Host: e.Ping.Host,
		DurationMS: e.Ping.Duration.Milliseconds(), At: e.Ping.At.UTC(), Body: e.Ping.Body,
		Reason: e.Reason, SavedAt: e.SavedAt.UTC(), Rejected: e.Rejected,
	}
}

func (f file) entry() Entry {
	return Entry{
		APIURL: f.APIURL, Check: f.Check, Reason: f.Reason, SavedAt: f.SavedAt, Rejected: f.Rejected,
		Slug: f.Slug, Org: f.Org, Project: f.Project, KeyID: f.KeyID,
		Ping: api.Ping{
			PublicID: f.PublicID, Kind: f.Kind, RunID: f.RunID, Host: f.Host,
			Duration: time.Duration(f.DurationMS) * time.Millisecond, At: f.At, Body: f.Body,
		},
	}
}

// ErrCorrupt is wrapped by the error of a file that is not a spool entry.
var ErrCorrupt = errors.New("not a valid spool entry")

func readEntry(path string) (Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Entry{}, err
	}
	return parseEntry(b)
}

// writable reports whether t, in UTC as entries are written, has a year
// JSON can hold.
func writable(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

func parseEntry(b []byte) (Entry, error) {
	if len(b) > maxFileSize {
		return Entry{}, fmt.Errorf("%w: larger than %d bytes", ErrCorrupt, maxFileSize)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return Entry{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	switch {
	case f.Version < 1 || f.Version > fileVersion:
		return Entry{}, fmt.Errorf("%w: version %d, this pakyas reads versions 1 to %d", ErrCorrupt, f.Version, fileVersion)
	case f.APIURL == "" || f.At.IsZero() || (f.PublicID == "" && (f.Slug == "" || f.KeyID == "")):
		return Entry{}, fmt.Errorf("%w: api_url, at, and public_id (or slug and key_id) are required", ErrCorrupt)
	case !writable(f.At) || !writable(f.SavedAt):
		return Entry{}, fmt.Errorf("%w: at %s or saved_at %s is not a time from year 0 to 9999 in UTC", ErrCorrupt, f.At, f.SavedAt)
	case f.DurationMS < 0 || f.DurationMS > api.MaxDuration.Milliseconds():
		return Entry{}, fmt.Errorf("%w: duration_ms %d is not from 0 to %d (a year)", ErrCorrupt, f.DurationMS, api.MaxDuration.Milliseconds())
	}
	return f.entry(), nil
}
