package cache

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzLoad: any checks.json either loads or is refused as ErrCorrupt with
// an empty cache to go on with; what loads is saved and read back
// unchanged, and every entry is found under its own key.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"projects":{}}`))
	f.Add([]byte(`{"version":1,"projects":{"http://127.0.0.1:8484|p1":{"api_url":"http://127.0.0.1:8484","org_id":"o","org_name":"Acme","project_id":"p1","project_name":"ops","fetched_at":"2025-01-06T10:00:00Z","checks":{"backup":"2b5c0b5e-0000-4000-8000-000000000001"},"key_id":"k1","default":true}}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"projects":{"x":null}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parse("checks.json", b)
		require.NotNil(t, c)
		if err != nil {
			assert.True(t, errors.Is(err, ErrCorrupt), "%v", err)
			assert.Empty(t, c.f.Projects, "a corrupt cache is empty")
			return
		}
		for k, p := range c.f.Projects {
			assert.Same(t, p, c.Get(p.APIURL, p.ProjectID), k)
		}
		saved, err := json.Marshal(c.f)
		require.NoError(t, err)
		back, err := parse("checks.json", saved)
		require.NoError(t, err, "a saved cache loads: %s", saved)
		assert.Equal(t, c.f, back.f)
	})
}
