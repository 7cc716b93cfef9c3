package core

import (
	"reflect"
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

// TestCheckStateNormalize: every time of a state, its open runs' too, is
// as a store gives it back (UTC, no monotonic reading) after Normalize;
// a time field added to CheckState or Run without Normalize fails here.
func TestCheckStateNormalize(t *testing.T) {
	now := time.Now() // local, with a monotonic reading
	var s CheckState
	s.OpenRuns = []Run{{ID: "r"}}
	setTimes := func(v reflect.Value) {
		for i := range v.NumField() {
			if f := v.Field(i); f.Type() == reflect.TypeFor[time.Time]() {
				f.Set(reflect.ValueOf(now))
			}
		}
	}
	setTimes(reflect.ValueOf(&s).Elem())
	setTimes(reflect.ValueOf(&s.OpenRuns[0]).Elem())
	s.ResumedAt = time.Time{} // the zero time stays zero
	s.Normalize()
	check := func(v reflect.Value, where string) {
		for i := range v.NumField() {
			f := v.Field(i)
			if f.Type() != reflect.TypeFor[time.Time]() {
				continue
			}
			got := f.Interface().(time.Time)
			name := where + v.Type().Field(i).Name
			if name == "ResumedAt" {
				assert.True(t, got.IsZero(), name)
				continue
			}
			assert.Equal(t, now.Round(0).UTC(), got, name)
			assert.True(t, got == got.Round(0), "%s keeps a monotonic reading", name)
		}
	}
	check(reflect.ValueOf(s), "")
	check(reflect.ValueOf(s.OpenRuns[0]), "OpenRuns[0].")
}
