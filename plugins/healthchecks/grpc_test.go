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
	c := dial(t, newHealthchecks("1.2.3"))
	info, err := c.Describe(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "healthchecks", info.Name)
	assert.Equal(t, "1.2.3", info.Version)
	assert.Equal(t, target.ProtocolVersion, info.ProtocolVersion)
	f, ok := info.Schema.Field("uuid")
	require.True(t, ok)
	assert.Equal(t, target.Field{Key: "uuid", Type: target.TypeString, Scope: target.ScopeCheck, Required: true,
		Description: f.Description}, f)
	f, ok = info.Schema.Field("endpoint")
	require.True(t, ok)
	assert.Equal(t, target.ScopeGlobal, f.Scope)
	assert.False(t, f.Required)
}

func TestGRPCConfigure(t *testing.T) {
	tests := []struct {
		name    string
		cfg     target.Config
		wantErr []target.FieldError // messages are not compared
	}{
		{"good", target.Config{Check: map[string]any{"uuid": testUUID}}, nil},
		{"missing uuid", target.Config{Check: map[string]any{}},
			[]target.FieldError{{Scope: target.ScopeCheck, Path: []string{"uuid"}}}},
		{"uuid in the global table", target.Config{Global: map[string]any{"uuid": testUUID}},
			[]target.FieldError{{Scope: target.ScopeGlobal, Path: []string{"uuid"}}, {Scope: target.ScopeCheck, Path: []string{"uuid"}}}},
		{"unknown key", target.Config{Global: map[string]any{"api_key": "x"}, Check: map[string]any{"uuid": testUUID}},
			[]target.FieldError{{Scope: target.ScopeGlobal, Path: []string{"api_key"}}}},
		{"wrong type", target.Config{Check: map[string]any{"uuid": int64(5)}},
			[]target.FieldError{{Scope: target.ScopeCheck, Path: []string{"uuid"}}}},
		{"not a uuid", target.Config{Check: map[string]any{"uuid": "nope"}},
			[]target.FieldError{{Scope: target.ScopeCheck, Path: []string{"uuid"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, newHealthchecks("test"))
			err := c.Configure(context.Background(), tt.cfg)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			var ce *target.ConfigError
			require.ErrorAs(t, err, &ce)
			require.Len(t, ce.Fields, len(tt.wantErr))
			for i, f := range ce.Fields {
				assert.Equal(t, tt.wantErr[i].Scope, f.Scope)
				assert.Equal(t, tt.wantErr[i].Path, f.Path)
				assert.NotEmpty(t, f.Message)
			}
		})
	}
}

func TestGRPCSend(t *testing.T) {
	srv, got := fakeHC(t, http.StatusOK)
	c := dial(t, newHealthchecks("test"))
	ctx := context.Background()
	require.NoError(t, c.Configure(ctx, target.Config{
		Global: map[string]any{"endpoint": srv.URL},
		Check:  map[string]any{"uuid": testUUID},
	}))

	res, err := c.Send(ctx, target.Event{
		CheckIdentifier: "backup-db", Type: target.Fail, ExitCode: new(2),
		Duration: 1500 * time.Millisecond, Timestamp: time.Now(), Host: "server1",
		Output: "boom", RunID: "r-9",
	})
	require.NoError(t, err)
	assert.Equal(t, "HTTP 200 OK", res.Message)
	assert.Equal(t, request{"POST", "/" + testUUID + "/2", "rid=r-9", "boom", "text/plain"}, <-got)
}

func TestGRPCSendRefused(t *testing.T) {
	srv, _ := fakeHC(t, http.StatusNotFound)
	c := dial(t, newHealthchecks("test"))
	ctx := context.Background()
	require.NoError(t, c.Configure(ctx, target.Config{
		Global: map[string]any{"endpoint": srv.URL},
		Check:  map[string]any{"uuid": testUUID},
	}))

	_, err := c.Send(ctx, target.Event{CheckIdentifier: "backup-db", Type: target.Start})
	var de *target.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, de.Message, "404")
}
