package spool

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParseEntry: any spool file either parses or is refused as
// ErrCorrupt (to be set aside, never replayed); what parses has what a
// replay needs, and is written and read back unchanged.
func FuzzParseEntry(f *testing.F) {
	f.Add([]byte(`{"version":2,"api_url":"http://127.0.0.1:8484","public_id":"2b5c0b5e-0000-4000-8000-000000000001","kind":"fail","rid":"r1","host":"h","duration_ms":1500,"at":"2025-01-06T10:00:00Z","body":"b3V0cHV0","reason":"connection refused","saved_at":"2025-01-06T10:00:01Z"}`))
	f.Add([]byte(`{"version":2,"api_url":"http://127.0.0.1:8484","slug":"backup","org":"Acme","project":"ops","key_id":"k1","kind":"3","at":"2025-01-06T10:00:00+01:00","saved_at":"2025-01-06T10:00:00Z","rejected":"400 bad"}`))
	f.Add([]byte(`{"version":1,"api_url":"u","public_id":"p","at":"2025-01-06T10:00:00Z","saved_at":"0001-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"version":3}`))
	f.Add([]byte(`{"version":2,"api_url":"u","public_id":"p","at":"2025-01-06T10:00:00Z","duration_ms":9223372036854775807}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseEntry(b)
		if err != nil {
			assert.True(t, errors.Is(err, ErrCorrupt), "%v", err)
			return
		}
		assert.NotEmpty(t, e.APIURL)
		assert.False(t, e.Ping.At.IsZero())
		assert.True(t, e.Ping.PublicID != "" || (e.Slug != "" && e.KeyID != ""), "an entry names its check")
		assert.GreaterOrEqual(t, e.Ping.Duration, time.Duration(0), "a duration is never negative")
		saved, err := json.Marshal(toFile(e))
		require.NoError(t, err)
		back, err := parseEntry(saved)
		require.NoError(t, err, "a written entry parses: %s", saved)
		assert.True(t, e.Ping.At.Equal(back.Ping.At))
		assert.True(t, e.SavedAt.Equal(back.SavedAt))
		e.Ping.At, e.SavedAt = back.Ping.At, back.SavedAt // the same instants, now in UTC
		assert.Equal(t, e, back)
	})
}
