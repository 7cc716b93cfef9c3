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

// TestDropInbox: 0016 keeps the signals a server of the inbox's build left
// unapplied in it on their checks' timelines, then drops it.
func TestDropInbox(t *testing.T) {
	ctx := context.Background()
	ms, err := migrations(SQLite)
	require.NoError(t, err)
	at := 0
	for i, m := range ms {
		if m.version == 15 {
			at = i + 1
		}
	}
	require.NotZero(t, at, "0015_inbox.sql")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "i.db")+"?_txlock=immediate&_pragma=foreign_keys(1)")
	require.NoError(t, err)
	defer db.Close()
	now := func() time.Time { return time.Unix(100, 0) }
	require.NoError(t, applyMigrations(ctx, db, SQLite, ms[:at], now))
	for _, q := range []string{
		`INSERT INTO users (id, email, name, created_at) VALUES ('u', 'u@example.com', 'u', 1)`,
		`INSERT INTO orgs (id, name, created_at) VALUES ('o', 'o', 1)`,
		`INSERT INTO projects (id, org_id, name, created_at) VALUES ('p', 'o', 'p', 1)`,
		`INSERT INTO checks (id, public_id, org_id, project_id, name, slug, schedule_kind, period, cron, tz, grace,
			max_runtime, created_at, updated_at, status, status_since, last_run_at, last_signal_at, last_success_at,
			last_failure_at, last_start_at, last_exit_code, resumed_at, next_eval_at)
			VALUES ('c', 'pub', 'o', 'p', 'c', 'c', 'period', 1, '', 'UTC', 1, 1, 1, 1, 'new', 1, 0, 0, 0, 0, 0, 0, 0, 0)`,
		`INSERT INTO inbox (public_id, taken_at, signal_kind, exit_code, run_id, duration, host, body, truncated,
			occurred_at, received_at, method, remote_addr, user_agent)
			VALUES ('pub', 5, 'fail', 3, 'r', 7, 'h', x'6f7574', 0, 5, 6, 'POST', '127.0.0.1:1', 'ua'),
			('gone', 5, 'success', NULL, '', 0, '', NULL, 0, 5, 5, 'GET', '', '')`,
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, applyMigrations(ctx, db, SQLite, ms, now))
	var kind, run, body string
	var code, received int64
	require.NoError(t, db.QueryRowContext(ctx,
		`SELECT signal_kind, exit_code, run_id, body, received_at FROM timeline WHERE check_id = 'c' AND kind = 'signal'`).
		Scan(&kind, &code, &run, &body, &received))
	assert.Equal(t, []any{"fail", int64(3), "r", "out", int64(6)}, []any{kind, code, run, body, received})
	var n int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'inbox'`).Scan(&n))
	assert.Zero(t, n, "dropped")
}
