package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTimelineAll pages through a timeline of 250 entries, 100 at a time.
func TestTimelineAll(t *testing.T) {
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests = append(requests, r.URL.RawQuery)
		before := 250
		if b := r.URL.Query().Get("before"); b != "" {
			before, _ = strconv.Atoi(b)
		}
		var page TimelinePage
		for id := before; id > before-100 && id > 0; id-- {
			page.Entries = append(page.Entries, TimelineEntry{ID: int64(id)})
		}
		if before > 100 {
			page.NextCursor = strconv.Itoa(before - 100)
		}
		_ = json.NewEncoder(w).Encode(page)
	}))
	t.Cleanup(srv.Close)
	c := &Client{BaseURL: srv.URL, APIKey: "k"}
	all, err := c.TimelineAll(context.Background(), "chk", 0)
	require.NoError(t, err)
	require.Len(t, all, 250)
	assert.Equal(t, int64(250), all[0].ID)
	assert.Equal(t, int64(1), all[249].ID)
	assert.Equal(t, []string{"limit=100", "before=150&limit=100", "before=50&limit=100"}, requests)

	requests = nil
	some, err := c.TimelineAll(context.Background(), "chk", 120)
	require.NoError(t, err)
	assert.Len(t, some, 120)
	assert.Len(t, requests, 2)
}
