package postgres

import (
	"context"
	"errors"
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

func TestRedact(t *testing.T) {
	assert.Equal(t, "postgres://u:xxxxx@h/db", Redact("postgres://u:secret@h/db"))
	assert.Equal(t, "postgres://u@h/db", Redact("postgres://u@h/db"))
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
