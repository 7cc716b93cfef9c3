package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/alert"
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
	} {
		f := ok
		bad(&f)
		_, err := f.Config()
		assert.Error(t, err, "%+v", f)
	}
}
