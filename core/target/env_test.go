package target

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPluginEnv(t *testing.T) {
	environ := []string{
		"PATH=/usr/bin:/bin",
		"HOME=/home/u",
		"PAKYAS_API_KEY=pk_secret",
		"PAKYAS_TOKEN=x",
		"HTTPS_PROXY=http://proxy:3128",
		"https_proxy=http://proxy:3128",
		"NO_PROXY=localhost",
		"SSL_CERT_FILE=/etc/ssl/ca.pem",
		"SSL_CERT_DIR=/etc/ssl/certs",
		"TZ=UTC",
		"TMPDIR=/var/tmp",
		"Path=C:\\Windows",
		"SystemRoot=C:\\Windows",
		"GITHUB_TOKEN=ghp_x",
		"=C:=C:\\",
		"malformed",
	}
	tests := []struct {
		name    string
		windows bool
		want    []string
	}{
		{"unix", false, []string{
			"PATH=/usr/bin:/bin", "HTTPS_PROXY=http://proxy:3128", "https_proxy=http://proxy:3128",
			"NO_PROXY=localhost", "SSL_CERT_FILE=/etc/ssl/ca.pem", "SSL_CERT_DIR=/etc/ssl/certs", "TZ=UTC",
			"TMPDIR=/var/tmp",
		}},
		{"windows: names are case-insensitive, and the system needs SystemRoot", true, []string{
			"PATH=/usr/bin:/bin", "HTTPS_PROXY=http://proxy:3128", "https_proxy=http://proxy:3128",
			"NO_PROXY=localhost", "SSL_CERT_FILE=/etc/ssl/ca.pem", "SSL_CERT_DIR=/etc/ssl/certs", "TZ=UTC",
			"TMPDIR=/var/tmp", "Path=C:\\Windows", "SystemRoot=C:\\Windows",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, pluginEnv(environ, tt.windows))
		})
	}
}
