package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
)

// TestToldBackfill: the migration that adds checks.told fills it in for
// the incidents already open, so that their recovery still alerts after
// the upgrade: a bad status whose alert is not held was told; a replay
// held from a bad status was told that one; a paused check was told what
// its newest alert of a change announced, if that was bad.
func TestToldBackfill(t *testing.T) {
	for _, d := range []*Dialect{SQLite, Postgres} {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			var db *sql.DB
			if d == SQLite {
				var err error
				db, err = sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_txlock=immediate&_pragma=foreign_keys(1)")
				require.NoError(t, err)
			} else {
				cfg, err := pgx.ParseConfig(pgtest.URL(t))
				require.NoError(t, err)
				db = stdlib.OpenDB(*cfg)
			}
			defer db.Close()
			ms, err := migrations(d)
			require.NoError(t, err)
			at := -1
			for i, m := range ms {
				if strings.HasSuffix(m.name, "_told.sql") {
					at = i
				}
			}
			require.GreaterOrEqual(t, at, 0, "the told migration")
			now := func() time.Time { return time.Unix(100, 0) }
			require.NoError(t, applyMigrations(ctx, db, d, ms[:at], now))
			exec := func(q string, args ...any) {
				t.Helper()
				if d == Postgres {
					for i := 1; strings.Contains(q, "?"); i++ {
						q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
					}
				}
				_, err := db.ExecContext(ctx, q, args...)
				require.NoError(t, err, q)
			}
			exec(`INSERT INTO users (id, email, name, created_at) VALUES ('u', 'u@example.com', 'u', 1)`)
			exec(`INSERT INTO orgs (id, name, created_at) VALUES ('o', 'o', 1)`)
			exec(`INSERT INTO projects (id, org_id, name, created_at) VALUES ('p', 'o', 'p', 1)`)
			exec(`INSERT INTO channels (id, org_id, name, kind, target, created_at) VALUES ('ch', 'o', 'ops', 'webhook', 'http://x', 1)`)
			check := func(id, status, failHeld, depHeld, heldFrom string) {
				exec(`INSERT INTO checks (id, public_id, org_id, project_id, name, slug, schedule_kind, period, cron, tz, grace,
					max_runtime, created_at, updated_at, status, status_since, last_run_at, last_signal_at, last_success_at,
					last_failure_at, last_start_at, last_exit_code, resumed_at, next_eval_at, fail_held, dep_held, held_from)
					VALUES (?, ?, 'o', 'p', ?, ?, 'period', 1, '', 'UTC', 1, 1, 1, 1, ?, 1, 0, 0, 0, 0, 0, 0, 0, 0, ?, ?, ?)`,
					id, "pub-"+id, id, id, status, failHeld, depHeld, heldFrom)
			}
			alert := func(checkID, from, to string) {
				exec(`INSERT INTO alerts (check_id, channel_id, message, state, attempts, next_attempt_at, last_error, created_at, delivered_at)
					VALUES (?, 'ch', ?, 'delivered', 1, 0, '', 1, 1)`, checkID, `{"check_id":"`+checkID+`","from":"`+from+`","to":"`+to+`"}`)
			}
			check("down", "down", "", "", "")
			check("failed-held", "failed", "up", "", "")
			check("dep-held", "failed", "", "up", "")
			check("up", "up", "", "", "")
			check("replay", "up", "", "", "overrunning")
			check("paused-down", "paused", "", "", "")
			alert("paused-down", "up", "down")
			alert("paused-down", "down", "down") // a reminder
			check("paused-recovered", "paused", "", "", "")
			alert("paused-recovered", "up", "failed")
			alert("paused-recovered", "failed", "up")
			check("paused-quiet", "paused", "", "", "")
			check("overran-then-failed", "failed", "overrunning", "", "")
			check("missing-then-failed", "failed", "down", "", "")
			check("failed-then-dep", "down", "", "failed", "")
			require.NoError(t, applyMigrations(ctx, db, d, ms, now))
			want := map[string]string{
				"down": "down", "failed-held": "", "dep-held": "", "up": "", "replay": "overrunning",
				"paused-down": "down", "paused-recovered": "", "paused-quiet": "",
				"overran-then-failed": "overrunning", "missing-then-failed": "down", "failed-then-dep": "failed",
			}
			rows, err := db.QueryContext(ctx, `SELECT id, told FROM checks`)
			require.NoError(t, err)
			defer rows.Close()
			got := map[string]string{}
			for rows.Next() {
				var id, told string
				require.NoError(t, rows.Scan(&id, &told))
				got[id] = told
			}
			require.NoError(t, rows.Err())
			assert.Equal(t, want, got)
		})
	}
}
