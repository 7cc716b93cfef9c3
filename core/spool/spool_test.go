package spool

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

var t0 = time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)

const (
	urlA = "http://127.0.0.1:1"
	urlB = "http://127.0.0.1:2"
	idA  = "550e8400-e29b-41d4-a716-446655440000"
)

func entry(url, kind string, at time.Time) Entry {
	return Entry{APIURL: url, Check: "backup", Ping: api.Ping{PublicID: idA, Kind: kind, RunID: "7d0b9e51-3c43-4a55-a4f7-7c1d2c2b1a11", Host: "db1", Duration: 1500 * time.Millisecond, At: at, Body: []byte("out\xff")}, Reason: "connection refused"}
}

func newSpool(t *testing.T) *Spool {
	return &Spool{Dir: filepath.Join(t.TempDir(), "spool"), Now: func() time.Time { return t0.Add(time.Hour) }}
}

// recorder is a Sender that records what it was given and answers from
// a function.
type recorder struct {
	mu     sync.Mutex
	sent   []Entry
	answer func(Entry) error
}

func (r *recorder) send(_ context.Context, e Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, e)
	if r.answer != nil {
		return r.answer(e)
	}
	return nil
}

func (r *recorder) kinds() []string {
	var out []string
	for _, e := range r.sent {
		out = append(out, e.APIURL+" "+e.Ping.Kind)
	}
	return out
}

func TestAddRoundTrip(t *testing.T) {
	s := newSpool(t)
	e := entry(urlA, "2", t0)
	added, err := s.Add(e)
	require.NoError(t, err)
	assert.Empty(t, added.Dropped)
	fi, err := os.Stat(added.Path)
	require.NoError(t, err)
	if os.PathSeparator == '/' {
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "bodies may hold secrets")
	}
	items, err := s.List()
	require.NoError(t, err)
	require.Len(t, items, 1)
	require.NoError(t, items[0].Err)
	got := items[0].Entry
	assert.True(t, got.Ping.At.Equal(t0))
	assert.True(t, got.SavedAt.Equal(t0.Add(time.Hour)))
	got.Ping.At, got.SavedAt, e.Ping.At = time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, e, got, "everything the signal carried survives, the body byte for byte")
}

func TestAddNeedsTheEssentials(t *testing.T) {
	s := newSpool(t)
	for _, e := range []Entry{
		{Ping: api.Ping{PublicID: idA, At: t0}},
		{APIURL: urlA, Ping: api.Ping{At: t0}},
		{APIURL: urlA, Ping: api.Ping{PublicID: idA}},
	} {
		_, err := s.Add(e)
		assert.Error(t, err)
	}
}

// TestReplayOrder: entries are sent in the order the signals happened,
// not the order they were spooled.
func TestReplayOrder(t *testing.T) {
	s := newSpool(t)
	for _, e := range []Entry{
		entry(urlA, "0", t0.Add(2*time.Second)),
		entry(urlA, "start", t0),
		entry(urlA, "fail", t0.Add(time.Second)),
		entry(urlA, "log", t0.Add(time.Second+time.Nanosecond)),
	} {
		_, err := s.Add(e)
		require.NoError(t, err)
	}
	var r recorder
	rep, err := s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	assert.Equal(t, []string{urlA + " start", urlA + " fail", urlA + " log", urlA + " 0"}, r.kinds())
	assert.Len(t, rep.Delivered, 4)
	assert.Zero(t, rep.Pending)
	items, err := s.List()
	require.NoError(t, err)
	assert.Empty(t, items, "delivered entries are removed")
}

// TestReplayKeepsUndelivered: a transient error keeps the entry and stops
// delivery to that server (order), but not to others.
func TestReplayKeepsUndelivered(t *testing.T) {
	s := newSpool(t)
	for i, url := range []string{urlA, urlB, urlA, urlB} {
		_, err := s.Add(entry(url, fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
	}
	down := errors.New("connection refused")
	r := recorder{answer: func(e Entry) error {
		if e.APIURL == urlA {
			return down
		}
		return nil
	}}
	rep, err := s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	assert.Equal(t, []string{urlA + " 0", urlB + " 1", urlB + " 3"}, r.kinds(), "after the first failure, A's later entries wait")
	assert.Equal(t, 2, rep.Pending)
	assert.Equal(t, map[string]error{urlA: down}, rep.Unreachable)
	items, err := s.List()
	require.NoError(t, err)
	require.Len(t, items, 2)
	assert.Equal(t, "0", items[0].Entry.Ping.Kind)
	assert.Equal(t, "2", items[1].Entry.Ping.Kind)

	// The server is back: the rest goes, in order.
	r = recorder{}
	rep, err = s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	assert.Equal(t, []string{urlA + " 0", urlA + " 2"}, r.kinds())
	assert.Zero(t, rep.Pending)
}

// TestReplayRejects: a 4xx other than 408/429 moves the entry aside with
// the reason; 408, 429 and 5xx keep it.
func TestReplayRejects(t *testing.T) {
	for _, tt := range []struct {
		status   int
		rejected bool
	}{
		{400, true}, {404, true}, {410, true}, {408, false}, {429, false}, {500, false}, {503, false},
	} {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "nope", tt.status)
			}))
			defer srv.Close()
			s := newSpool(t)
			_, err := s.Add(entry(srv.URL, "start", t0))
			require.NoError(t, err)
			c := &api.Client{BaseURL: srv.URL}
			rep, err := s.Replay(context.Background(), func(ctx context.Context, e Entry) error {
				_, err := c.Ping(ctx, e.Ping)
				return err
			})
			require.NoError(t, err)
			pending, err := s.List()
			require.NoError(t, err)
			rejected, err := s.ListRejected()
			require.NoError(t, err)
			if tt.rejected {
				require.Len(t, rep.Rejected, 1)
				assert.Empty(t, pending)
				require.Len(t, rejected, 1)
				assert.Contains(t, rejected[0].Entry.Rejected, fmt.Sprint(tt.status))
				assert.Equal(t, "start", rejected[0].Entry.Ping.Kind)
			} else {
				assert.Empty(t, rep.Rejected)
				assert.Len(t, pending, 1)
				assert.Empty(t, rejected)
				assert.Equal(t, 1, rep.Pending)
			}
		})
	}
}

// TestCorruptFiles: a file that is not a valid entry is moved aside as it
// is; the others are still delivered, in order.
func TestCorruptFiles(t *testing.T) {
	s := newSpool(t)
	_, err := s.Add(entry(urlA, "start", t0))
	require.NoError(t, err)
	_, err = s.Add(entry(urlA, "0", t0.Add(2*time.Second)))
	require.NoError(t, err)
	mid := fmt.Sprintf("%020d-aaaaaaaaaaaa.json", t0.Add(time.Second).UnixNano())
	corrupt := map[string]string{
		mid: `{"version":1,"api_url":`,
		fmt.Sprintf("%020d-bbbbbbbbbbbb.json", t0.Add(time.Second).UnixNano()): `{"version":99,"api_url":"x","public_id":"y","at":"2025-01-06T10:00:00Z"}`,
		fmt.Sprintf("%020d-cccccccccccc.json", t0.Add(time.Second).UnixNano()): `{"version":1}`,
		fmt.Sprintf("%020d-dddddddddddd.json", t0.Add(time.Second).UnixNano()): ``,
	}
	for name, body := range corrupt {
		require.NoError(t, os.WriteFile(filepath.Join(s.Dir, name), []byte(body), 0o600))
	}
	items, err := s.List()
	require.NoError(t, err)
	require.Len(t, items, 6)
	var bad int
	for _, it := range items {
		if it.Err != nil {
			bad++
			assert.ErrorIs(t, it.Err, ErrCorrupt)
		}
	}
	assert.Equal(t, 4, bad)

	var r recorder
	rep, err := s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	assert.Equal(t, []string{urlA + " start", urlA + " 0"}, r.kinds())
	assert.Len(t, rep.Rejected, 4)
	rejected, err := s.ListRejected()
	require.NoError(t, err)
	require.Len(t, rejected, 4)
	b, err := os.ReadFile(filepath.Join(s.Dir, RejectedDir, mid))
	require.NoError(t, err)
	assert.Equal(t, corrupt[mid], string(b), "a corrupt file is kept byte for byte")
	items, err = s.List()
	require.NoError(t, err)
	assert.Empty(t, items)
}

// TestAtomicWrites: readers never see a partial entry; temporary files
// are ignored, and removed once stale.
func TestAtomicWrites(t *testing.T) {
	s := newSpool(t)
	require.NoError(t, os.MkdirAll(s.Dir, 0o700))
	tmp := filepath.Join(s.Dir, ".e.json.tmp-123")
	require.NoError(t, os.WriteFile(tmp, []byte(`{"version":1,"api_u`), 0o600))
	fresh := filepath.Join(s.Dir, ".e.json.tmp-456")
	require.NoError(t, os.WriteFile(fresh, []byte(`{`), 0o600))
	old := t0.Add(-2 * time.Hour) // s.Now is t0+1h: older than staleTmp
	require.NoError(t, os.Chtimes(tmp, old, old))
	require.NoError(t, os.Chtimes(fresh, t0.Add(time.Hour), t0.Add(time.Hour)))
	require.NoError(t, os.WriteFile(filepath.Join(s.Dir, "notes.txt"), []byte("x"), 0o600))

	items, err := s.List()
	require.NoError(t, err)
	assert.Empty(t, items, "temporary and foreign files are not entries")

	// Many writers at once: every entry is whole.
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Add(entry(urlA, fmt.Sprint(i), t0.Add(time.Duration(i)*time.Millisecond)))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	items, err = s.List()
	require.NoError(t, err)
	require.Len(t, items, 50)
	for i, it := range items {
		require.NoError(t, it.Err)
		assert.Equal(t, fmt.Sprint(i), it.Entry.Ping.Kind, "names sort by the time the signal happened")
	}

	_, err = s.Replay(context.Background(), (&recorder{}).send)
	require.NoError(t, err)
	assert.NoFileExists(t, tmp, "a stale temporary file is removed by a replay")
	assert.FileExists(t, fresh, "a fresh one may belong to a writer at work")
}

// TestBounds: a full spool drops its oldest entries to take new ones.
func TestBounds(t *testing.T) {
	s := newSpool(t)
	s.MaxFiles = 3
	for i := range 5 {
		added, err := s.Add(entry(urlA, fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
		if i >= 3 {
			assert.Len(t, added.Dropped, 1, "entry %d", i)
		}
	}
	items, err := s.List()
	require.NoError(t, err)
	require.Len(t, items, 3)
	assert.Equal(t, "2", items[0].Entry.Ping.Kind)
	assert.Equal(t, "4", items[2].Entry.Ping.Kind)

	s2 := newSpool(t)
	one, err := s2.Add(entry(urlA, "0", t0))
	require.NoError(t, err)
	fi, err := os.Stat(one.Path)
	require.NoError(t, err)
	s2.MaxBytes = 2*fi.Size() + 1
	_, err = s2.Add(entry(urlA, "1", t0.Add(time.Second)))
	require.NoError(t, err)
	added, err := s2.Add(entry(urlA, "2", t0.Add(2*time.Second)))
	require.NoError(t, err)
	assert.Len(t, added.Dropped, 1)
	items, err = s2.List()
	require.NoError(t, err)
	assert.Len(t, items, 2)
}

// TestReplayBusy: a second replayer leaves the spool alone.
func TestReplayBusy(t *testing.T) {
	s := newSpool(t)
	_, err := s.Add(entry(urlA, "start", t0))
	require.NoError(t, err)
	unlock, ok, err := lockDir(filepath.Join(s.Dir, lockName))
	require.NoError(t, err)
	require.True(t, ok)
	var r recorder
	rep, err := s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	assert.True(t, rep.Busy)
	assert.Equal(t, 1, rep.Pending)
	assert.Empty(t, r.sent)
	unlock()
	rep, err = s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	assert.False(t, rep.Busy)
	assert.Len(t, rep.Delivered, 1)
}

// TestReplayBudget: when ctx is done, the rest waits.
func TestReplayBudget(t *testing.T) {
	s := newSpool(t)
	for i := range 3 {
		_, err := s.Add(entry(urlA, fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)))
		require.NoError(t, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := recorder{answer: func(Entry) error { cancel(); return nil }}
	rep, err := s.Replay(ctx, r.send)
	require.NoError(t, err)
	assert.Len(t, rep.Delivered, 1)
	assert.Equal(t, 2, rep.Pending)
}

// TestReplayTooOld: an entry older than MaxAge is moved aside unsent.
func TestReplayTooOld(t *testing.T) {
	s := newSpool(t) // now is t0+1h
	s.MaxAge = 30 * time.Minute
	_, err := s.Add(entry(urlA, "start", t0))
	require.NoError(t, err)
	_, err = s.Add(entry(urlA, "0", t0.Add(50*time.Minute)))
	require.NoError(t, err)
	var r recorder
	rep, err := s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	assert.Equal(t, []string{urlA + " 0"}, r.kinds())
	require.Len(t, rep.Rejected, 1)
	assert.ErrorIs(t, rep.Rejected[0].Err, ErrTooOld)
}

func TestEmptySpool(t *testing.T) {
	s := newSpool(t)
	rep, err := s.Replay(context.Background(), (&recorder{}).send)
	require.NoError(t, err)
	assert.Equal(t, Report{}, rep)
	assert.NoDirExists(t, s.Dir, "replaying an empty spool creates nothing")
}

// TestSlugEntries: a signal whose check could not be resolved is kept by
// slug, with the selection and the key's fingerprint; it needs them.
func TestSlugEntries(t *testing.T) {
	s := newSpool(t)
	e := Entry{APIURL: urlA, Check: "backup", Slug: "backup", Project: "Web", KeyID: "0123456789abcdef",
		Ping: api.Ping{Kind: "start", At: t0}, Reason: "connection refused"}
	_, err := s.Add(e)
	require.NoError(t, err)
	items, err := s.List()
	require.NoError(t, err)
	require.Len(t, items, 1)
	require.NoError(t, items[0].Err)
	got := items[0].Entry
	got.Ping.At, got.SavedAt, e.Ping.At = time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, e, got)

	noKey := e
	noKey.KeyID = ""
	_, err = s.Add(noKey)
	assert.Error(t, err, "a slug alone cannot be resolved later")
}

// TestVersion1Files: files written by an earlier pakyas are delivered.
func TestVersion1Files(t *testing.T) {
	s := newSpool(t)
	require.NoError(t, os.MkdirAll(s.Dir, 0o700))
	name := fmt.Sprintf("%020d-aaaaaaaaaaaa.json", t0.UnixNano())
	require.NoError(t, os.WriteFile(filepath.Join(s.Dir, name), []byte(`{"version":1,"api_url":"`+urlA+`","check":"backup","public_id":"`+idA+`","kind":"start","at":"2025-01-06T10:00:00Z","saved_at":"2025-01-06T10:00:01Z"}`), 0o600))
	var r recorder
	rep, err := s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	require.Len(t, rep.Delivered, 1)
	assert.Equal(t, idA, r.sent[0].Ping.PublicID)
}

// TestReplayHeld: an entry its Sender holds back waits with the later
// entries of its check; other checks of the same server go on.
func TestReplayHeld(t *testing.T) {
	s := newSpool(t)
	other := entry(urlA, "0", t0.Add(time.Second))
	other.Check, other.Ping.PublicID = "sync", "6a1b2c3d-0000-4000-8000-000000000001"
	for _, e := range []Entry{entry(urlA, "start", t0), other, entry(urlA, "0", t0.Add(2*time.Second))} {
		_, err := s.Add(e)
		require.NoError(t, err)
	}
	held := fmt.Errorf("needs the API key it was made with: %w", ErrHeld)
	r := recorder{answer: func(e Entry) error {
		if e.Check == "backup" {
			return held
		}
		return nil
	}}
	rep, err := s.Replay(context.Background(), r.send)
	require.NoError(t, err)
	assert.Equal(t, []string{urlA + " start", urlA + " 0"}, r.kinds(), "backup's finish is not tried before its start")
	assert.Len(t, rep.Delivered, 1)
	assert.Equal(t, 2, rep.Pending)
	assert.Empty(t, rep.Unreachable)
	assert.Equal(t, map[string]error{urlA + " backup": held}, rep.Held)
}

func TestRejectionMessage(t *testing.T) {
	at := time.Date(2025, 1, 6, 10, 0, 0, 0, time.Local)
	e := entry(urlA, "2", at)
	msg := Rejection{Item: Item{Name: "x.json", Entry: e}, Err: &api.HTTPError{StatusCode: 404, Message: "not found"}}.Message()
	assert.Equal(t, "the server refused a spooled exit 2 signal of backup (it happened at "+at.Format("2006-01-02 15:04:05 MST")+"): server answered 404: not found", msg)
	msg = Rejection{Item: Item{Name: "0001-ab.json"}, Err: fmt.Errorf("%w: unexpected end of JSON input", ErrCorrupt)}.Message()
	assert.Equal(t, "the spool file 0001-ab.json is not a valid signal (not a valid spool entry: unexpected end of JSON input)", msg)
}

func TestDescribe(t *testing.T) {
	for kind, want := range map[string]string{"": "success", "start": "start", "fail": "fail", "log": "log", "0": "success (exit 0)", "143": "exit 143"} {
		assert.Equal(t, want, Describe(api.Ping{Kind: kind}))
	}
	assert.True(t, strings.HasPrefix(Describe(api.Ping{Kind: "2"}), "exit"))
}

func TestReportErr(t *testing.T) {
	assert.NoError(t, Report{Delivered: []Item{{}}}.Err("/s"))
	err := Report{Busy: true}.Err("/s")
	assert.Equal(t, "unavailable", core.ErrorCode(err))
	err = Report{Pending: 2, Unreachable: map[string]error{urlA: &api.HTTPError{StatusCode: 503}},
		Held: map[string]error{urlA + " backup": fmt.Errorf("another key: %w", ErrHeld)}}.Err("/s")
	assert.Equal(t, "unavailable", core.ErrorCode(err))
	assert.Equal(t, "2 signal(s) are still in the spool: "+urlA+" backup: another key: held; "+urlA+": the Pakyas server at "+urlA+" answered 503: Service Unavailable", core.ErrorText(err))
	err = Report{Rejected: []Rejection{{}}}.Err("/s")
	assert.Equal(t, "invalid", core.ErrorCode(err))
}
