package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
)

// dial serves impl over gRPC in-process and returns the host's client.
func dial(t *testing.T, impl target.Target) *target.Client {
	t.Helper()
	// Closing the client also shuts the server down (go-plugin's controller
	// Shutdown); stopping the server as well would race with it.
	client, _ := plugin.TestPluginGRPCConn(t, false, target.PluginSet(impl))
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(target.PluginName)
	require.NoError(t, err)
	return raw.(*target.Client)
}

func TestGRPCDescribe(t *testing.T) {
	info, err := dial(t, newWebhook("1.2.3")).Describe(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "webhook", info.Name)
	assert.Equal(t, "1.2.3", info.Version)
	assert.Equal(t, target.ProtocolVersion, info.ProtocolVersion)
	var keys []string
	for _, f := range info.Schema.Fields {
		keys = append(keys, string(f.Scope)+"/"+f.Key+"/"+string(f.Type))
	}
	assert.Equal(t, []string{"global/url/string", "global/headers/string_map", "global/secret/string"}, keys)
}

func TestGRPCConfigure(t *testing.T) {
	tests := []struct {
		name    string
		cfg     target.Config
		wantErr []string // "<scope>/<path>"
	}{
		{"good", target.Config{Global: map[string]any{"url": "https://e.com", "headers": map[string]any{"A": "b"}}}, nil},
		{"no url", target.Config{Global: map[string]any{}}, []string{"global/url"}},
		{"url per check", target.Config{Global: map[string]any{"url": "https://e.com"}, Check: map[string]any{"url": "https://f.com"}},
			[]string{"check/url"}},
		{"headers not strings", target.Config{Global: map[string]any{"url": "https://e.com", "headers": map[string]any{"A": int64(1)}}},
			[]string{"global/headers"}},
		{"bad header name", target.Config{Global: map[string]any{"url": "https://e.com", "headers": map[string]any{"A:": "b"}}},
			[]string{"global/headers.A:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dial(t, newWebhook("test")).Configure(context.Background(), tt.cfg)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			var ce *target.ConfigError
			require.ErrorAs(t, err, &ce)
			var got []string
			for _, f := range ce.Fields {
				got = append(got, string(f.Scope)+"/"+joinPath(f.Path))
			}
			assert.Equal(t, tt.wantErr, got)
		})
	}
}

func joinPath(p []string) string {
	s := p[0]
	for _, x := range p[1:] {
		s += "." + x
	}
	return s
}

func TestGRPCSend(t *testing.T) {
	srv, got := receiver(t, http.StatusOK)
	c := dial(t, newWebhook("test"))
	ctx := context.Background()

	_, err := c.Send(ctx, target.Event{Type: target.Start})
	require.Error(t, err, "Send before Configure")

	require.NoError(t, c.Configure(ctx, target.Config{Global: map[string]any{"url": srv.URL}}))
	res, err := c.Send(ctx, target.Event{
		CheckIdentifier: "backup-db", Type: target.Success, ExitCode: new(0), Duration: 12345 * time.Millisecond,
		Timestamp: time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC), Host: "server1.example.com", Output: "...", RunID: "r-1",
	})
	require.NoError(t, err)
	assert.Equal(t, "HTTP 200 OK", res.Message)
	assert.Positive(t, res.Latency)
	r := <-got
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, `{"check_identifier":"backup-db","event_type":"success","exit_code":0,"duration_ms":12345,"timestamp":"2025-01-02T10:00:00Z","host":"server1.example.com","output":"..."}`, r.Body)
}
