package server

import (
	"context"
	"io"
	"log"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/alert"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/pakyas/pakyas/core/store/postgres/pgtest"
)

func TestFlagsConfig(t *testing.T) {
	ok := Flags{Retention: "90d", KeepSignals: 1000, APIRate: 50, StartTLS: "auto", PublicURL: "https://p.example.com/"}
	cfg, err := ok.Config()
	require.NoError(t, err)
	assert.Equal(t, 90*24*time.Hour, cfg.Retention)
	assert.Equal(t, "https://p.example.com", cfg.PublicURL)
	assert.Equal(t, 201, cfg.APIBurst)
	assert.Equal(t, alert.StartTLSAuto, cfg.SMTP.StartTLS)
	off := ok
	off.APIRate = 0
	cfg, err = off.Config()
	require.NoError(t, err)
	assert.Negative(t, cfg.APIRate, "0 turns the limit off")
	for _, bad := range []func(f *Flags){
		func(f *Flags) { f.Retention = "90" },
		func(f *Flags) { f.Retention = "0d" },
		func(f *Flags) { f.KeepSignals = 0 },
		func(f *Flags) { f.StartTLS = "sometimes" },
		func(f *Flags) { f.APIRate = -1 },
		func(f *Flags) { f.PublicURL = "pakyas.example.com" },
		func(f *Flags) { f.PublicURL = "ftp://x" },
		func(f *Flags) { f.PublicURL = "https://" },
		func(f *Flags) { f.PublicURL = "https://p.example.com/?x=1" },
		func(f *Flags) { f.PublicURL = "https://u:p@p.example.com" },
		func(f *Flags) { f.PublicURL = "/pakyas" },
	} {
		f := ok
		bad(&f)
		_, err := f.Config()
		assert.Error(t, err, "%+v", f)
	}
	for _, good := range []string{"", "http://10.0.0.5:8484", "https://example.com/pakyas/"} {
		f := ok
		f.PublicURL = good
		_, err := f.Config()
		assert.NoError(t, err, good)
	}
	f := ok
	f.PublicURL = "pakyas.example.com"
	_, err = f.Config()
	assert.ErrorContains(t, err, "--public-url")
	assert.ErrorContains(t, err, "https://pakyas.example.com")
}

// TestRunDevOnUsedPostgres: --dev on a PostgreSQL database that already
// has users says so, and what to do, in terms of the database, not of a
// data directory, which cannot help there.
func TestRunDevOnUsedPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	st, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	_, err = Init(ctx, st, time.Now(), Admin{Email: "a@example.com", Org: "O", Project: "P"})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	err = Run(ctx, Options{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: url, Dev: true, Stdout: io.Discard,
		Config: Config{Logger: log.New(io.Discard, "", 0)}})
	require.Error(t, err)
	assert.Equal(t, core.ECONFLICT, core.ErrorCode(err))
	assert.Contains(t, err.Error(), "PostgreSQL")
	assert.Contains(t, err.Error(), "--database-url")
	assert.NotContains(t, err.Error(), "data directory")
}
