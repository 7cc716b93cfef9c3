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

func TestNewCheckInput(t *testing.T) {
	flags := map[string]string{"name": "Backup", "period": "1h", "grace": "300", "max-runtime": "1d"}
	in, err := NewCheckInput(func(f string) (string, bool) { v, ok := flags[f]; return v, ok })
	require.NoError(t, err)
	assert.Equal(t, "Backup", *in.Name)
	assert.Nil(t, in.Slug)
	assert.Equal(t, int64(3600), *in.Period)
	assert.Equal(t, int64(300), *in.Grace)
	assert.Equal(t, int64(86400), *in.MaxRuntime)
	for _, bad := range []map[string]string{{"period": "1.5s"}, {"grace": "-1"}, {"period": "1h", "cron": "* * * * *"}} {
		_, err := NewCheckInput(func(f string) (string, bool) { v, ok := bad[f]; return v, ok })
		assert.Error(t, err, "%v", bad)
	}
}

func TestCheckInputDurations(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"3600", 3600, true}, {"0", 0, true}, {"1h", 3600, true}, {"90m", 5400, true},
		{"2d", 172800, true}, {"1h30m", 5400, true}, {"-5", 0, false}, {"1.5s", 0, false}, {"soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			in, err := NewCheckInput(func(f string) (string, bool) { return tt.in, f == "period" })
			if !tt.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, *in.Period)
		})
	}
}

func TestNewChannelInput(t *testing.T) {
	in, err := NewChannelInput("Slack", "https://hooks.example.com/x", "")
	require.NoError(t, err)
	assert.Equal(t, ChannelInput{Kind: "slack", Target: "https://hooks.example.com/x", Name: "slack"}, in)
	_, err = NewChannelInput(" ", "x", "p")
	assert.ErrorContains(t, err, "pakyas channel kinds", "the kinds themselves are the server's registry's to check")
}
