package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunIDForms: a run id is the canonical UUID text, in either case
// (healthchecks accepts capitals since 2025), so a start and its finish
// pair up however it is written.
func TestRunIDForms(t *testing.T) {
	rid := uuid.New()
	tests := []struct{ name, start, finish string }{
		{"upper case start", strings.ToUpper(rid.String()), rid.String()},
		{"upper case finish", rid.String(), strings.ToUpper(rid.String())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, _, ch := setup(t)
			base := "/ping/" + ch.PublicID
			code, body := ping(t, srv, "POST", base+"/start?rid="+tt.start, "")
			require.Equal(t, http.StatusOK, code, body)
			srv.Clock.Add(time.Minute)
			code, body = ping(t, srv, "POST", base+"?rid="+tt.finish, "")
			require.Equal(t, http.StatusOK, code, body)
			got := status(t, c, ch.ID)
			assert.False(t, got.Running, "the finish closed the run")
			require.NotEmpty(t, got.Signals)
			assert.Equal(t, rid.String(), got.Signals[0].RunID)
			assert.Equal(t, int64(60000), got.Signals[0].DurationMS)
		})
	}
}
