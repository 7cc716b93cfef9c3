package target

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	targetv1 "github.com/pakyas/pakyas/proto/target/v1"
)

// Client is the host's handle on one target plugin: Launch returns one for a
// plugin process, and GRPCPlugin dispenses one for any go-plugin connection
// (plugin.TestPluginGRPCConn in tests). Every method passes ctx, and so its
// deadline, to the plugin.
//
// The calls follow the protocol's order: Describe, Configure, then Send for
// each event. A Client is safe for concurrent use.
type Client struct {
	rpc targetv1.TargetServiceClient

	// Set by Launch; zero for a Client dispensed over a test connection.
	proc    *plugin.Client
	sockDir string
}

// Describe asks the plugin for its name, version, protocol version and
// configuration schema. A schema the SDK cannot use (a repeated key, an
// unknown type or scope) is an error.
func (c *Client) Describe(ctx context.Context) (Info, error) {
	resp, err := c.rpc.Describe(ctx, &targetv1.DescribeRequest{})
	if err != nil {
		return Info{}, rpcError(ctx, "describe", err)
	}
	info, err := infoFromProto(resp)
	if err != nil {
		return Info{}, fmt.Errorf("describe: plugin sent an invalid schema: %w", err)
	}
	return info, nil
}

// Configure sends the target's global table and the check's table. It
// returns a *ConfigError when the plugin refused them, listing every bad
// key; other errors mean the call failed.
func (c *Client) Configure(ctx context.Context, cfg Config) error {
	global, err := encodeTable(cfg.Global)
	if err != nil {
		return fmt.Errorf("configure: encode global table: %w", err)
	}
	check, err := encodeTable(cfg.Check)
	if err != nil {
		return fmt.Errorf("configure: encode check table: %w", err)
	}
	resp, err := c.rpc.Configure(ctx, &targetv1.ConfigureRequest{GlobalJson: global, CheckJson: check})
	if err != nil {
		return rpcError(ctx, "configure", err)
	}
	if len(resp.GetErrors()) > 0 {
		return &ConfigError{Fields: fieldErrorsFromProto(resp.GetErrors())}
	}
	return nil
}

// Send delivers e through the plugin; Output is trimmed to its last
// MaxOutput bytes. A *DeliveryError means the target did not accept the
// event; any other error means the call failed: the plugin crashed or was
// not configured, or the deadline passed (the error then wraps
// context.DeadlineExceeded).
// Result.Latency is the plugin's measure of the delivery in both cases it
// answered.
func (c *Client) Send(ctx context.Context, e Event) (Result, error) {
	if err := e.validate(); err != nil {
		return Result{}, fmt.Errorf("send: %w", err)
	}
	resp, err := c.rpc.Send(ctx, &targetv1.SendRequest{Event: eventToProto(e)})
	if err != nil {
		return Result{}, rpcError(ctx, "send", err)
	}
	res := Result{Message: resp.GetMessage(), Latency: resp.GetLatency().AsDuration()}
	if !resp.GetOk() {
		return res, &DeliveryError{Message: resp.GetMessage()}
	}
	return res, nil
}

// Kill ends the plugin process: it asks the plugin to shut down, kills it
// if it has not exited within two seconds, and removes its socket
// directory. It is safe to call more than once, and does nothing for a
// Client that Launch did not start.
func (c *Client) Kill() {
	if c.proc != nil {
		c.proc.Kill()
	}
	if c.sockDir != "" {
		_ = os.RemoveAll(c.sockDir)
	}
}

// Stop asks the plugin to shut down, as Kill does, and removes its socket
// directory, but does not wait for the process to exit: it is for a host
// that exits next, whose exit ends a plugin still running (the
// parent-death signal Launch sets on Linux, the watchdog in Serve
// elsewhere). It returns within timeout even when the plugin does not
// answer.
func (c *Client) Stop(timeout time.Duration) {
	if c.proc != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if rpc, err := c.proc.Client(); err == nil {
				_ = rpc.Close() // the Shutdown call, then the connection
			}
		}()
		t := time.NewTimer(timeout)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
	if c.sockDir != "" {
		_ = os.RemoveAll(c.sockDir)
	}
}

// Exited reports whether the plugin process has exited.
func (c *Client) Exited() bool {
	return c.proc != nil && c.proc.Exited()
}

// Pid returns the plugin's process id, or 0 for a Client that Launch did not
// start.
func (c *Client) Pid() int {
	if c.proc == nil {
		return 0
	}
	if rc := c.proc.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// rpcError wraps a failed call. A call that ran out of time or was
// cancelled wraps context.DeadlineExceeded or context.Canceled, whichever
// side noticed first, so errors.Is works on it.
func rpcError(ctx context.Context, op string, err error) error {
	code := status.Code(err)
	switch {
	case code == codes.DeadlineExceeded || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: plugin did not answer in time: %w", op, context.DeadlineExceeded)
	case code == codes.Canceled || errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("%s: %w", op, context.Canceled)
	}
	return fmt.Errorf("%s: %w", op, err)
}
