package external

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// touch creates an executable (or not) file in dir.
func touch(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"), mode))
	require.NoError(t, os.Chmod(p, mode))
	return p
}

func TestDiscoverAndFind(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("execute bits")
	}
	root := t.TempDir()
	first, second := filepath.Join(root, "a"), filepath.Join(root, "b")
	hcA := touch(t, first, "pakyas-target-healthchecks", 0o755)
	hcB := touch(t, second, "pakyas-target-healthchecks", 0o755)
	web := touch(t, second, "pakyas-target-webhook", 0o755)
	touch(t, first, "pakyas-target-notexec", 0o644)
	touch(t, first, "pakyas-target-Bad.Name", 0o755)
	touch(t, first, "unrelated", 0o755)
	require.NoError(t, os.MkdirAll(filepath.Join(first, "pakyas-target-dir"), 0o755))
	dirs := []Dir{{Path: first, Source: SourceEnv}, {Path: second, Source: SourcePath}, {Path: filepath.Join(root, "missing"), Source: SourceConfig}}

	got := Discover(dirs)
	assert.Equal(t, []Plugin{
		{Name: "healthchecks", Path: hcA, Source: SourceEnv, Shadowed: []string{hcB}},
		{Name: "webhook", Path: web, Source: SourcePath},
	}, got)

	tests := []struct {
		name     string
		want     string
		notFound bool
	}{
		{"healthchecks", hcA, false},
		{"webhook", web, false},
		{"notexec", "", true},
		{"cronitor", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Find(dirs, tt.name)
			if tt.notFound {
				require.Error(t, err)
				assert.True(t, IsNotFound(err))
				assert.Contains(t, err.Error(), "no plugin pakyas-target-"+tt.name+" installed: put the executable in "+first)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Path)
		})
	}
	_, err := Find(dirs, "../evil")
	require.Error(t, err)
	assert.False(t, IsNotFound(err))
}

func TestSearchPathOrder(t *testing.T) {
	env := map[string]string{
		PluginDirEnv:      "/plugins/one" + string(os.PathListSeparator) + "/plugins/two",
		"XDG_CONFIG_HOME": "/xdg",
		"HOME":            "/home/u",
		"PATH":            "/usr/bin" + string(os.PathListSeparator) + "/plugins/one",
	}
	dirs := SearchPath(func(k string) string { return env[k] })
	exe, err := os.Executable()
	require.NoError(t, err)
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	want := []Dir{
		{Path: "/plugins/one", Source: SourceEnv},
		{Path: "/plugins/two", Source: SourceEnv},
		{Path: filepath.Join("/xdg", "pakyas", "plugins"), Source: SourceConfig},
		{Path: filepath.Dir(exe), Source: SourceExecutable},
		{Path: "/usr/bin", Source: SourcePath},
	}
	if runtime.GOOS != "windows" {
		assert.Equal(t, want, dirs)
	}
}

// TestSearchPathSkipsRelativePATH: a relative $PATH entry ("." or
// "bin") names whatever directory a job happens to run in; as os/exec
// does (exec.ErrDot), pakyas never launches a plugin found through one.
func TestSearchPathSkipsRelativePATH(t *testing.T) {
	cwd, err := os.Getwd()
	require.NoError(t, err)
	abs := filepath.Join(t.TempDir(), "bin")
	sep := string(os.PathListSeparator)
	for _, tc := range []struct {
		name, path string
	}{
		{"dot", "." + sep + abs},
		{"relative dir", "bin" + sep + abs},
		{"dot slash", "./tools" + sep + abs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"HOME": t.TempDir(), "PATH": tc.path}
			var fromPath []string
			for _, d := range SearchPath(func(k string) string { return env[k] }) {
				if d.Source == SourcePath {
					fromPath = append(fromPath, d.Path)
				}
			}
			assert.Contains(t, fromPath, abs)
			for _, p := range fromPath {
				assert.True(t, filepath.IsAbs(p), p)
				assert.False(t, p == cwd || filepath.Dir(p) == cwd, "a relative $PATH entry became %s", p)
			}
		})
	}
}
