package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestValidSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"daily-backup": true, "prod_db-cleanup2": true, "a": true,
		"": false, "Daily Backup": false, "my.job.name": false, "Daily-Backup": false,
		"naïve": false, string(make([]byte, 101)): false,
	} {
		if got := ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		unit time.Duration
		want time.Duration
		ok   bool
	}{
		{"3600", time.Second, time.Hour, true},
		{"90m", time.Second, 90 * time.Minute, true},
		{"2d", 0, 48 * time.Hour, true},
		{" 36h ", 0, 36 * time.Hour, true},
		{"90", 0, 0, false},
		{"-5", time.Second, 0, false},
		{"-1h", 0, 0, false},
		{"1x", time.Second, 0, false},
		{"", 0, 0, false},
	} {
		got, err := ParseDuration(tt.in, tt.unit)
		if assert.Equal(t, tt.ok, err == nil, "%q: %v", tt.in, err) {
			assert.Equal(t, tt.want, got, tt.in)
		}
	}
}
