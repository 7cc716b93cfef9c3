package target_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/pakyas/pakyas/core/target"
)

// fake is a configurable target that records what it receives.
type fake struct {
	info      target.Info
	configure func(target.Config) error
	send      func(context.Context, target.Event) (target.Result, error)

	mu     sync.Mutex
	cfg    target.Config
	events []target.Event
}

var (
	_ target.Target     = (*fake)(nil)
	_ target.Describer  = (*fake)(nil)
	_ target.Configurer = (*fake)(nil)
)

func (f *fake) Describe(context.Context) (target.Info, error) { return f.info, nil }

func (f *fake) Configure(_ context.Context, c target.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = c
	if f.configure != nil {
		return f.configure(c)
	}
	return nil
}

func (f *fake) Send(ctx context.Context, e target.Event) (target.Result, error) {
	f.mu.Lock()
	f.events = append(f.events, e)
	f.mu.Unlock()
	if f.send != nil {
		return f.send(ctx, e)
	}
	return target.Result{Message: "ok"}, nil
}

// sendOnly is the smallest target: no Describer, no Configurer.
type sendOnly struct{}

func (sendOnly) Send(context.Context, target.Event) (target.Result, error) {
	return target.Result{Message: "sent"}, nil
}

var schema = target.ConfigSchema{Fields: []target.Field{
	{Key: "url", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true},
	{Key: "id", Type: target.TypeString, Scope: target.ScopeCheck, Required: true, Secret: true, Description: "the id"},
	{Key: "n", Type: target.TypeInt, Scope: target.ScopeCheck},
}}

var goodConfig = target.Config{Global: map[string]any{"url": "u"}, Check: map[string]any{"id": "x", "n": int64(1) << 60}}

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

func TestDescribe(t *testing.T) {
	ctx := context.Background()
	t.Run("describer", func(t *testing.T) {
		info, err := dial(t, &fake{info: target.Info{Name: "x", Version: "1.0", Schema: schema}}).Describe(ctx)
		require.NoError(t, err)
		assert.Equal(t, target.Info{Name: "x", Version: "1.0", ProtocolVersion: 1, Schema: schema}, info)
	})
	t.Run("send only", func(t *testing.T) {
		info, err := dial(t, sendOnly{}).Describe(ctx)
		require.NoError(t, err)
		assert.Equal(t, target.Info{ProtocolVersion: 1}, info)
	})
	t.Run("broken schema", func(t *testing.T) {
		bad := target.ConfigSchema{Fields: []target.Field{{Key: "a", Type: "float", Scope: target.ScopeGlobal}}}
		_, err := dial(t, &fake{info: target.Info{Schema: bad}}).Describe(ctx)
		require.Error(t, err)
		assert.Equal(t, codes.Internal, status.Code(errors.Unwrap(err)))
		assert.Contains(t, err.Error(), `unknown type "float"`)
	})
}

func TestConfigure(t *testing.T) {
	ctx := context.Background()
	t.Run("checked against the schema, values typed", func(t *testing.T) {
		f := &fake{info: target.Info{Schema: schema}}
		require.NoError(t, dial(t, f).Configure(ctx, goodConfig))
		assert.Equal(t, goodConfig, f.cfg, "a 64-bit integer survives the JSON trip exactly")
	})
	t.Run("schema errors never reach Configure", func(t *testing.T) {
		f := &fake{info: target.Info{Schema: schema}}
		err := dial(t, f).Configure(ctx, target.Config{Global: map[string]any{"url": "u", "id": "x"}})
		var ce *target.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, []target.FieldError{
			{Scope: target.ScopeGlobal, Path: []string{"id"}, Message: ce.Fields[0].Message},
			{Scope: target.ScopeCheck, Path: []string{"id"}, Message: ce.Fields[1].Message},
		}, ce.Fields)
		assert.Nil(t, f.cfg.Global)
	})
	t.Run("the target's own field errors", func(t *testing.T) {
		f := &fake{info: target.Info{Schema: schema}, configure: func(target.Config) error {
			var errs target.ConfigError
			errs.Add(target.ScopeCheck, "id", "must be hex")
			errs.AddPath(target.ScopeGlobal, []string{"url", "host"}, "unknown host")
			return errs.Err()
		}}
		err := dial(t, f).Configure(ctx, goodConfig)
		assert.EqualError(t, err, "invalid configuration: per-check key id: must be hex; global key url.host: unknown host")
	})
	t.Run("a plain error", func(t *testing.T) {
		f := &fake{info: target.Info{Schema: schema}, configure: func(target.Config) error { return errors.New("no network") }}
		err := dial(t, f).Configure(ctx, goodConfig)
		var ce *target.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, []target.FieldError{{Message: "no network"}}, ce.Fields)
	})
	t.Run("no schema, no keys", func(t *testing.T) {
		c := dial(t, sendOnly{})
		require.NoError(t, c.Configure(ctx, target.Config{}))
		assert.Error(t, c.Configure(ctx, target.Config{Check: map[string]any{"x": "y"}}))
	})
	t.Run("panic", func(t *testing.T) {
		f := &fake{info: target.Info{Schema: schema}, configure: func(target.Config) error { panic("oops") }}
		err := dial(t, f).Configure(ctx, goodConfig)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "target panicked in Configure: oops")
	})
}

func TestSend(t *testing.T) {
	ctx := context.Background()
	ts := time.Date(2025, 1, 2, 10, 0, 0, 123000000, time.UTC)
	tests := []struct {
		name string
		in   target.Event
		want target.Event
	}{
		{"start",
			target.Event{CheckIdentifier: "backup-db", Type: target.Start, Timestamp: ts, Host: "h", RunID: "r"},
			target.Event{CheckIdentifier: "backup-db", Type: target.Start, Timestamp: ts, Host: "h", RunID: "r"}},
		{"success with exit code 0",
			target.Event{CheckIdentifier: "c", Type: target.Success, ExitCode: new(0), Duration: 1500 * time.Millisecond},
			target.Event{CheckIdentifier: "c", Type: target.Success, ExitCode: new(0), Duration: 1500 * time.Millisecond}},
		{"fail, sub-millisecond duration dropped, raw output",
			target.Event{CheckIdentifier: "c", Type: target.Fail, ExitCode: new(137), Duration: 1999 * time.Microsecond, Output: "\xff\x00x"},
			target.Event{CheckIdentifier: "c", Type: target.Fail, ExitCode: new(137), Duration: time.Millisecond, Output: "\xff\x00x"}},
		{"output trimmed to its tail",
			target.Event{CheckIdentifier: "c", Type: target.Fail, Output: "head" + strings.Repeat("x", target.MaxOutput)},
			target.Event{CheckIdentifier: "c", Type: target.Fail, Output: strings.Repeat("x", target.MaxOutput)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			c := dial(t, f)
			require.NoError(t, c.Configure(ctx, target.Config{}))
			res, err := c.Send(ctx, tt.in)
			require.NoError(t, err)
			assert.Equal(t, "ok", res.Message)
			assert.Positive(t, res.Latency, "measured by the SDK when the target leaves it zero")
			require.Len(t, f.events, 1)
			assert.Equal(t, tt.want, f.events[0])
		})
	}
}

func TestSendFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("before Configure", func(t *testing.T) {
		_, err := dial(t, sendOnly{}).Send(ctx, target.Event{Type: target.Start})
		assert.Equal(t, codes.FailedPrecondition, status.Code(errors.Unwrap(err)))
		assert.ErrorContains(t, err, "call Configure")
	})
	t.Run("after a refused Configure", func(t *testing.T) {
		c := dial(t, &fake{info: target.Info{Schema: schema}})
		require.NoError(t, c.Configure(ctx, goodConfig))
		require.Error(t, c.Configure(ctx, target.Config{}))
		_, err := c.Send(ctx, target.Event{Type: target.Start})
		assert.Equal(t, codes.FailedPrecondition, status.Code(errors.Unwrap(err)))
	})
	t.Run("bad event type never leaves the host", func(t *testing.T) {
		_, err := dial(t, sendOnly{}).Send(ctx, target.Event{Type: "finish"})
		assert.ErrorContains(t, err, `event type "finish"`)
	})
	t.Run("target refuses", func(t *testing.T) {
		c := dial(t, &fake{send: func(context.Context, target.Event) (target.Result, error) {
			return target.Result{Latency: 42 * time.Millisecond}, errors.New("answered 404: check uuid")
		}})
		require.NoError(t, c.Configure(ctx, target.Config{}))
		res, err := c.Send(ctx, target.Event{Type: target.Start})
		var de *target.DeliveryError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "answered 404: check uuid", de.Message)
		assert.Equal(t, 42*time.Millisecond, res.Latency)
	})
	t.Run("panic", func(t *testing.T) {
		c := dial(t, &fake{send: func(context.Context, target.Event) (target.Result, error) { panic("nil map") }})
		require.NoError(t, c.Configure(ctx, target.Config{}))
		_, err := c.Send(ctx, target.Event{Type: target.Start})
		assert.Equal(t, codes.Internal, status.Code(errors.Unwrap(err)))
		assert.ErrorContains(t, err, "target panicked in Send: nil map")
	})
}

// The host's deadline reaches the target's ctx, and a target that waits for
// it costs the host no more than its deadline.
func TestSendDeadline(t *testing.T) {
	gotDeadline := make(chan time.Time, 1)
	c := dial(t, &fake{send: func(ctx context.Context, _ target.Event) (target.Result, error) {
		dl, _ := ctx.Deadline()
		gotDeadline <- dl
		<-ctx.Done()
		return target.Result{}, ctx.Err()
	}})
	require.NoError(t, c.Configure(context.Background(), target.Config{}))

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	want, _ := ctx.Deadline()
	start := time.Now()
	_, err := c.Send(ctx, target.Event{Type: target.Start})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
	dl := <-gotDeadline
	assert.WithinDuration(t, want, dl, 200*time.Millisecond)
}

// Configure and Send may be called from several goroutines; -race checks
// that the SDK serialises what it must.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	f := &fake{info: target.Info{Schema: schema}}
	c := dial(t, f)
	require.NoError(t, c.Configure(ctx, goodConfig))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, _ = c.Send(ctx, target.Event{Type: target.Success})
			_ = c.Configure(ctx, goodConfig)
		})
	}
	wg.Wait()
}
