package external_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/external"
)

// TestOpen: the flags beat the file's migration_mode; a file that cannot
// be read means no targets for the run, said once; --no-external turns
// the targets off but keeps the file's migration mode.
func TestOpen(t *testing.T) {
	home := t.TempDir()
	getenv := func(k string) string { return map[string]string{"HOME": home}[k] }
	path := filepath.Join(home, ".config", "pakyas", "external_monitors.toml")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	ctx := context.Background()

	var log bytes.Buffer
	s := external.Open(ctx, external.Flags{}, "backup", getenv, false, false, &log)
	assert.Nil(t, s.Host.Monitor(), "no file: no targets")
	assert.False(t, s.Migration)
	s.Close()

	require.NoError(t, os.WriteFile(path, []byte("migration_mode = true\n"), 0o600))
	s = external.Open(ctx, external.Flags{}, "backup", getenv, false, false, &log)
	assert.True(t, s.Migration)
	s.Close()
	s = external.Open(ctx, external.Flags{Migration: false, MigrationSet: true}, "backup", getenv, false, false, &log)
	assert.False(t, s.Migration, "the flag beats the file")
	s.Close()
	s = external.Open(ctx, external.Flags{Off: true}, "backup", getenv, false, false, &log)
	assert.True(t, s.Migration, "--no-external keeps the file's migration mode")
	assert.Nil(t, s.Host)
	assert.Empty(t, log.String())

	require.NoError(t, os.WriteFile(path, []byte("[targets.x\n"), 0o600))
	s = external.Open(ctx, external.Flags{}, "backup", getenv, false, false, &log)
	assert.Nil(t, s.Host)
	assert.Contains(t, log.String(), "[pakyas] "+path+":1:")
	assert.Contains(t, log.String(), "[pakyas] External monitors are off for this run: fix "+path)

	log.Reset()
	s = external.Open(ctx, external.Flags{ConfigPath: filepath.Join(home, "missing.toml")}, "backup", getenv, false, false, &log)
	assert.Nil(t, s.Host)
	assert.Contains(t, log.String(), "missing.toml", "a file named with --external-config must exist")
}
