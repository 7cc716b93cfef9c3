package postgres

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
	"github.com/pakyas/pakyas/core/store/storetest"
)

func open(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.URL(t))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) core.Store { return open(t) })
}

// TestConcurrentMigrations: processes starting at once on an empty
// database migrate one after the other, and all of them open it.
func TestConcurrentMigrations(t *testing.T) {
	url := pgtest.URL(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(context.Background(), url)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		assert.NoError(t, <-errs)
	}
}

func TestNewerSchema(t *testing.T) {
	url := pgtest.URL(t)
	s, err := Open(context.Background(), url)
	require.NoError(t, err)
	_, err = s.DB().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = Open(context.Background(), url)
	assert.True(t, errors.Is(err, ErrNewerSchema), "%v", err)
}

// TestRedact: no form of connection string shows its password.
func TestRedact(t *testing.T) {
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:s3cr3t@h/db", "postgres://u:xxxxx@h:5432/db"},
		{"postgresql://u:s3cr3t@h:6543/db?sslmode=disable", "postgres://u:xxxxx@h:6543/db"},
		{"postgres://u@h/db?password=s3cr3t&sslmode=disable", "postgres://u:xxxxx@h:5432/db"},
		{"postgres://u@h/db", "postgres://u@h:5432/db"},
		{"host=127.0.0.1 user=postgres password=s3cr3t dbname=x sslmode=disable", "postgres://postgres:xxxxx@127.0.0.1:5432/x"},
		{"host=h user=u password='s3 cr3t' dbname=x", "postgres://u:xxxxx@h:5432/x"},
		{`host=h user=u password='s3\'cr3t' dbname=x`, "postgres://u:xxxxx@h:5432/x"},
		{"host=h user=u password = s3cr3t dbname=x", "postgres://u:xxxxx@h:5432/x"},
		{"host=h user=u password=s3cr3t port=notaport", "(the --database-url, which cannot be parsed)"},
		{"postgres://u:s3cr3t@h:x/db", "(the --database-url, which cannot be parsed)"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := Redact(tc.in)
			assert.Equal(t, tc.want, got)
			assert.NotContains(t, got, "cr3t")
		})
	}
}

// TestOpenParseErrorHidesPassword: pgx's own message shows the password
// of some strings it cannot parse; Open's does not.
func TestOpenParseErrorHidesPassword(t *testing.T) {
	for _, in := range []string{"host=h password = s3cr3t port=x", "postgres://u:s3cr3t@h:x/db"} {
		_, err := Open(context.Background(), in)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "s3cr3t")
		assert.Contains(t, err.Error(), "--database-url")
	}
}

// TestChangeMarkUnknown: other servers write to a PostgreSQL database too,
// so its Update does not claim to know whether it changed.
func TestChangeMarkUnknown(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	require.NoError(t, s.Update(ctx, func(q core.Queries) error {
		_, ok, err := q.(core.ChangeMarker).ChangeMark(ctx)
		assert.False(t, ok)
		return err
	}))
}
