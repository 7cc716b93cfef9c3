package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/storetest"
)

// open opens a store in a new file under t.TempDir and closes it when t
// ends.
func open(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "pakyas.db"))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) core.Store { return open(t) })
}

func TestPragmas(t *testing.T) {
	s := open(t)
	write, read := s.DB()
	ctx := context.Background()
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for name, db := range map[string]*sql.DB{"write": write, "read": read} {
		// Hold several read connections at once, so the pool opens more
		// than one and each of them is checked.
		var conns []*sql.Conn
		for range 3 {
			conn, err := db.Conn(ctx)
			require.NoError(t, err)
			conns = append(conns, conn)
			if name == "write" {
				break // one connection only
			}
		}
		for i, conn := range conns {
			for _, tt := range tests {
				var got string
				require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got))
				assert.Equal(t, tt.want, got, "%s connection %d: %s", name, i, tt.pragma)
			}
			require.NoError(t, conn.Close())
		}
	}

	var n int
	require.NoError(t, read.QueryRowContext(ctx, "PRAGMA query_only").Scan(&n))
	assert.Equal(t, 1, n, "read connections cannot write")
	require.NoError(t, write.QueryRowContext(ctx, "PRAGMA query_only").Scan(&n))
	assert.Equal(t, 0, n)
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "pakyas.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	info, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "the directory is private")

	u := &core.User{ID: "u1", Email: "ada@example.com", Name: "Ada", CreatedAt: time.Unix(1, 2).UTC()}
	require.NoError(t, s.CreateUser(ctx, u))
	require.NoError(t, s.Close())

	for range 2 { // migrations apply once: reopening is a no-op
		s, err = Open(ctx, path)
		require.NoError(t, err)
		got, err := s.User(ctx, "u1")
		require.NoError(t, err)
		assert.Equal(t, u, got, "data survives Close and Open")

		var versions int
		_, read := s.DB()
		require.NoError(t, read.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&versions))
		ms, err := os.ReadDir("../sqlstore/migrations/sqlite")
		require.NoError(t, err)
		assert.Equal(t, len(ms), versions)
		require.NoError(t, s.Close())
	}
}

func TestNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pakyas.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	write, _ := s.DB()
	_, err = write.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = Open(ctx, path)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNewerSchema), "error: %v", err)
	assert.Contains(t, err.Error(), "9999")
	assert.Contains(t, err.Error(), path)
}

func TestPathWithSpecialCharacters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag%20", "pakyas.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = os.Stat(path)
	assert.NoError(t, err, "the file is where the path says")
}

func TestTimes(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	tests := []struct {
		name string
		in   time.Time
	}{
		{"nanoseconds", time.Date(2025, 3, 1, 12, 0, 0, 123_456_789, time.UTC)},
		{"other zone", time.Date(2025, 3, 1, 14, 0, 0, 1, time.FixedZone("CEST", 2*3600))},
		{"local with monotonic reading", time.Now()},
		{"zero", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &core.User{ID: tt.name, CreatedAt: tt.in}
			require.NoError(t, s.CreateUser(ctx, u))
			got, err := s.User(ctx, u.ID)
			require.NoError(t, err)
			assert.True(t, tt.in.Equal(got.CreatedAt), "%v != %v", tt.in, got.CreatedAt)
			assert.Equal(t, tt.in.IsZero(), got.CreatedAt.IsZero())
			assert.Equal(t, time.UTC, got.CreatedAt.Location())
		})
	}
}

// TestChangeMark: the mark at the start of a transaction equals the one at
// the end of an earlier one exactly when nothing changed the database in
// between: not a write outside a transaction, nor another transaction's,
// nor another process's (another connection to the file). A transaction
// that changed nothing leaves the mark as it was.
func TestChangeMark(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	mark := func(fn func(q core.Queries) error) core.ChangeMark {
		t.Helper()
		var m core.ChangeMark
		require.NoError(t, s.Update(ctx, func(q core.Queries) error {
			if fn != nil {
				if err := fn(q); err != nil {
					return err
				}
			}
			var ok bool
			var err error
			m, ok, err = q.(core.ChangeMarker).ChangeMark(ctx)
			require.True(t, ok, "SQLite can tell")
			return err
		}))
		return m
	}
	now := time.Now()
	a := mark(nil)
	assert.Equal(t, a, mark(nil), "nothing changed; a transaction that writes nothing changes nothing")

	require.NoError(t, s.CreateOrg(ctx, &core.Org{ID: "o1", Name: "o1", CreatedAt: now}))
	b := mark(nil)
	assert.NotEqual(t, a, b, "a write outside a transaction")

	c := mark(func(q core.Queries) error {
		return q.CreateOrg(ctx, &core.Org{ID: "o2", Name: "o2", CreatedAt: now})
	})
	assert.NotEqual(t, b, c, "a write in the transaction itself")
	assert.Equal(t, c, mark(nil), "its commit is not a change after the mark")

	err := s.Update(ctx, func(q core.Queries) error {
		if err := q.CreateOrg(ctx, &core.Org{ID: "o3", Name: "o3", CreatedAt: now}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	require.Error(t, err)
	d := mark(nil)
	assert.NotEqual(t, c, d, "a transaction that wrote and rolled back counts, to be safe")

	other, err := Open(ctx, s.Path()) // another process's connection
	require.NoError(t, err)
	require.NoError(t, other.CreateOrg(ctx, &core.Org{ID: "o4", Name: "o4", CreatedAt: now}))
	require.NoError(t, other.Close())
	e := mark(nil)
	assert.NotEqual(t, d, e, "another connection wrote to the file")
	assert.Equal(t, e, mark(nil))

	// The write pool replaces its connection (here: it expired; in use:
	// one was interrupted): the new one's counters start again, and its
	// marks are not the old one's.
	write, _ := s.DB()
	write.SetConnMaxLifetime(time.Nanosecond)
	f := mark(nil)
	write.SetConnMaxLifetime(0)
	assert.NotEqual(t, e.Conn, f.Conn, "a new connection")
	assert.NotEqual(t, e, f)
	g := mark(nil) // on the connection that replaced f's, expired too
	assert.Equal(t, g, mark(nil))

	// Outside Update there is no transaction to mark.
	_, ok, err := s.Store.ChangeMark(ctx)
	require.NoError(t, err)
	assert.False(t, ok)
}
