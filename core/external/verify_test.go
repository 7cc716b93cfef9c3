//go:build unix

package external_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/external"
)

// nobody is the uid of the user nobody on Linux and in most containers.
const nobody = 65534

func TestVerify(t *testing.T) {
	me := os.Getuid()
	tests := []struct {
		name    string
		mode    os.FileMode
		owner   int // -1: the test's user; another needs root to chown
		pin     bool
		wantErr error
		want    string
	}{
		{"yours, 0755", 0o755, -1, false, nil, ""},
		{"yours, pinned", 0o755, -1, true, nil, ""},
		{"root's", 0o755, 0, false, nil, ""},
		{"group-writable", 0o775, -1, false, external.ErrWritable, "(mode 0775): plugin executable is writable by other users; fix it with: chmod go-w "},
		{"world-writable", 0o757, -1, false, external.ErrWritable, "fix it with: chmod go-w "},
		{"another user's", 0o755, nobody, false, external.ErrOwner, "(owned by "},
		{"another user's, even pinned", 0o755, nobody, true, external.ErrOwner, "plugin executable is owned by another user; fix it with: "},
		{"another user's and writable: the mode first", 0o777, nobody, false, external.ErrWritable, "chmod go-w "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.owner >= 0 && tt.owner != me && me != 0 {
				t.Skip("chown to another user needs root")
			}
			path := filepath.Join(t.TempDir(), external.Prefix+"x")
			require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"), 0o700))
			require.NoError(t, os.Chmod(path, tt.mode))
			if tt.owner >= 0 {
				require.NoError(t, os.Chown(path, tt.owner, -1))
			}
			pin := ""
			if tt.pin {
				var err error
				pin, err = external.FileSHA256(path)
				require.NoError(t, err)
			}
			err := external.Verify(path, pin)
			if tt.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), "refusing to run "+path+" ")
			assert.Contains(t, err.Error(), tt.want)
			if tt.wantErr == external.ErrOwner {
				assert.Contains(t, err.Error(), "uid 65534)")
				assert.True(t, strings.HasSuffix(err.Error(), "chown root "+path), err.Error())
			}
		})
	}
}
