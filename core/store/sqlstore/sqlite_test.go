package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"

	_ "modernc.org/sqlite"
)

// openSQLite returns a Store on a new SQLite file, for the tests of what
// is written once for every dialect.
func openSQLite(t *testing.T) *Store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "s.db")+"?_txlock=immediate&_pragma=foreign_keys(1)")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	require.NoError(t, Migrate(context.Background(), db, SQLite))
	s := New(SQLite, db, db)
	t.Cleanup(func() { s.Close() })
	return s
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

	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
	require.NoError(t, err)
	defer db.Close()
	now := func() time.Time { return time.Unix(100, 0) }
	require.NoError(t, applyMigrations(ctx, db, SQLite, ms[:2], now))
	require.NoError(t, applyMigrations(ctx, db, SQLite, ms, now), "only the new one runs")

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
	require.Error(t, applyMigrations(ctx, db, SQLite, bad, now))
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM t WHERE v = 11").Scan(&n))
	assert.Zero(t, n)

	for _, name := range []string{"m/first.sql", "m/0001.sql", "m/0000_zero.sql"} {
		_, err := loadMigrations(fstest.MapFS{name: {Data: []byte("")}}, "m")
		assert.Error(t, err, name)
	}
}

func TestErrorCodes(t *testing.T) {
	s := openSQLite(t)
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
	assert.NotZero(t, sqliteCode(err))
	assert.Equal(t, core.EINTERNAL, core.ErrorCode(s.writeErr("op", err, "c", "m")))
}

func TestQueryPlans(t *testing.T) {
	s := openSQLite(t)
	write, _ := s.DB()
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
			rows, err := write.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tt.query, tt.args...)
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
