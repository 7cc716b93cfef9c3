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
	info, err := dial(t, newCronitor("1.2.3")).Describe(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "cronitor", info.Name)
	assert.Equal(t, "1.2.3", info.Version)
	assert.Equal(t, target.ProtocolVersion, info.ProtocolVersion)
	var keys []string
	for _, f := range info.Schema.Fields {
		keys = append(keys, string(f.Scope)+"/"+f.Key)
	}
	assert.Equal(t, []string{"global/api_key", "global/endpoint", "check/monitor_key"}, keys)
	f, _ := info.Schema.Field("api_key")
	assert.True(t, f.Secret && f.Required)
}

func TestGRPCConfigure(t *testing.T) {
	tests := []struct {
		name    string
		cfg     target.Config
		wantErr []string // "<scope>/<key>"
	}{
		{"good", target.Config{Global: map[string]any{"api_key": "k"}, Check: map[string]any{"monitor_key": "m"}}, nil},
		{"no api_key", target.Config{Check: map[string]any{"monitor_key": "m"}}, []string{"global/api_key"}},
		{"monitor_key in the global table", target.Config{Global: map[string]any{"api_key": "k", "monitor_key": "m"}},
			[]string{"global/monitor_key", "check/monitor_key"}},
		{"uuid is not a cronitor key", target.Config{Global: map[string]any{"api_key": "k"},
			Check: map[string]any{"monitor_key": "m", "uuid": "x"}}, []string{"check/uuid"}},
		{"wrong type", target.Config{Global: map[string]any{"api_key": true}, Check: map[string]any{"monitor_key": "m"}},
			[]string{"global/api_key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dial(t, newCronitor("test")).Configure(context.Background(), tt.cfg)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			var ce *target.ConfigError
			require.ErrorAs(t, err, &ce)
			var got []string
			for _, f := range ce.Fields {
				got = append(got, string(f.Scope)+"/"+f.Path[0])
			}
			assert.Equal(t, tt.wantErr, got)
		})
	}
}

func TestGRPCSend(t *testing.T) {
	srv, got := fakeCronitor(t, http.StatusOK)
	c := dial(t, newCronitor("test"))
	ctx := context.Background()
	require.NoError(t, c.Configure(ctx, target.Config{
		Global: map[string]any{"endpoint": srv.URL, "api_key": "key"},
		Check:  map[string]any{"monitor_key": "backup-db-monitor"},
	}))

	res, err := c.Send(ctx, target.Event{
		CheckIdentifier: "backup-db", Type: target.Success, ExitCode: new(0),
		Duration: 1500 * time.Millisecond, Timestamp: time.Now(), Host: "server1", RunID: "r-9",
	})
	require.NoError(t, err)
	assert.Equal(t, "HTTP 200 OK", res.Message)
	assert.Equal(t, request{"GET", "/p/key/backup-db-monitor",
		"duration=1.5&host=server1&series=r-9&state=complete&status_code=0"}, <-got)
}
