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

// TestRunIDForms: a run id is one UUID however it is spelled (case,
// braces, urn:uuid:, no hyphens), so a start and its finish pair up.
func TestRunIDForms(t *testing.T) {
	rid := uuid.New()
	tests := []struct{ name, start, finish string }{
		{"upper case", strings.ToUpper(rid.String()), rid.String()},
		{"braces", "{" + rid.String() + "}", rid.String()},
		{"urn", "urn:uuid:" + rid.String(), rid.String()},
		{"no hyphens", strings.ReplaceAll(rid.String(), "-", ""), strings.ToUpper(rid.String())},
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
