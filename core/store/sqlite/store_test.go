package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
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
	for name, db := range map[string]*sql.DB{"write": s.write, "read": s.read} {
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
	require.NoError(t, s.read.QueryRowContext(ctx, "PRAGMA query_only").Scan(&n))
	assert.Equal(t, 1, n, "read connections cannot write")
	require.NoError(t, s.write.QueryRowContext(ctx, "PRAGMA query_only").Scan(&n))
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
		require.NoError(t, s.read.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&versions))
		ms, err := migrations()
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
	_, err = s.write.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = Open(ctx, path)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNewerSchema), "error: %v", err)
	assert.Contains(t, err.Error(), "9999")
	assert.Contains(t, err.Error(), path)
}

func TestMigrationsInOrder(t *testing.T) {
	ctx := context.Background()
	fsys := fstest.MapFS{
		"m/0002_second.sql": {Data: []byte("INSERT INTO t VALUES (2);")},
		"m/0001_first.sql":  {Data: []byte("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);")},
		"m/0010_tenth.sql":  {Data: []byte("INSERT INTO t VALUES (10);")},
	}
	ms, err := loadMigrations(fsys, "m")
	require.NoError(t, err)
	require.Len(t, ms, 3)
	assert.Equal(t, []int{1, 2, 10}, []int{ms[0].version, ms[1].version, ms[2].version})

	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "m.db"), "_txlock=immediate"))
	require.NoError(t, err)
	defer db.Close()
	now := func() time.Time { return time.Unix(100, 0) }
	require.NoError(t, applyMigrations(ctx, db, ms[:2], now))
	require.NoError(t, applyMigrations(ctx, db, ms, now), "only the new one runs")

	var vs []int
	rows, err := db.QueryContext(ctx, "SELECT v FROM t ORDER BY rowid")
	require.NoError(t, err)
	for rows.Next() {
		var v int
		require.NoError(t, rows.Scan(&v))
		vs = append(vs, v)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []int{1, 2, 10}, vs)

	// A failing migration leaves nothing behind.
	bad := append(ms, migration{version: 11, name: "0011_bad.sql", sql: "INSERT INTO t VALUES (11); SELECT * FROM nope;"})
	require.Error(t, applyMigrations(ctx, db, bad, now))
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM t WHERE v = 11").Scan(&n))
	assert.Zero(t, n)

	for _, name := range []string{"m/first.sql", "m/0001.sql", "m/0000_zero.sql"} {
		_, err := loadMigrations(fstest.MapFS{name: {Data: []byte("")}}, "m")
		assert.Error(t, err, name)
	}
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

func TestErrorCodes(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	err := s.CreateUser(ctx, &core.User{ID: "u"})
	require.NoError(t, err)
	err = s.CreateUser(ctx, &core.User{ID: "u"})
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.ECONFLICT, ce.Code)

	// Other driver errors are wrapped, not hidden.
	_, err = s.exec(ctx, "INSERT INTO nope VALUES (1)")
	require.Error(t, err)
	assert.NotZero(t, code(err))
	assert.Equal(t, core.EINTERNAL, core.ErrorCode(writeErr("op", err, "c", "m")))
}

func TestQueryPlans(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	tests := []struct {
		name, query string
		args        []any
		want        string // an index the plan must use
	}{
		{"due checks", sqlDueChecks, []any{1, 10}, "checks_next_eval"},
		{"next eval", sqlNextEvalAt, nil, "checks_next_eval"},
		{"timeline", sqlTimeline, []any{"c", 1, 1, nil, 50}, "timeline_check_at"},
		{"prune by age", sqlPruneByAge, []any{1}, "timeline_check_at"},
		{"prune by count", sqlPruneByCount, []any{10}, "timeline_check_at"},
		{"due alerts", sqlDueAlerts, []any{1, 10}, "alerts_due"},
		{"next alert", sqlNextAlertAt, nil, "alerts_due"},
		{"count by status", sqlCountByStatus, nil, "checks_status"},
		{"check by public id", sqlCheckByPublicID, []any{"p"}, "SEARCH checks USING INDEX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.write.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
			require.NoError(t, err)
			defer rows.Close()
			var plan string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
				plan += detail + "\n"
			}
			require.NoError(t, rows.Err())
			assert.Contains(t, plan, tt.want, plan)
			assert.NotRegexp(t, `SCAN (t|timeline)\b`, plan, "no full scan of the timeline")
		})
	}
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
