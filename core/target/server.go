package target

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	targetv1 "github.com/pakyas/pakyas/proto/target/v1"
)

// server is the plugin side of TargetService: it turns RPCs into calls on a
// Target and enforces the protocol's order (Configure before Send).
type server struct {
	targetv1.UnimplementedTargetServiceServer
	impl Target

	// mu keeps Configure from running concurrently with Send; Sends may
	// overlap each other.
	mu         sync.RWMutex
	configured bool
}

var _ targetv1.TargetServiceServer = (*server)(nil)

func newServer(impl Target) *server {
	return &server{impl: impl}
}

// describe returns impl's Info, or an empty one for a target without a
// Describer, with the protocol version filled in.
func describe(ctx context.Context, impl Target) (Info, error) {
	var info Info
	if d, ok := impl.(Describer); ok {
		var err error
		if info, err = d.Describe(ctx); err != nil {
			return Info{}, fmt.Errorf("describe: %w", err)
		}
		if err := info.Schema.Check(); err != nil {
			return Info{}, fmt.Errorf("describe: %w", err)
		}
	}
	info.ProtocolVersion = ProtocolVersion
	return info, nil
}

// Describe implements TargetService.Describe.
func (s *server) Describe(ctx context.Context, _ *targetv1.DescribeRequest) (*targetv1.DescribeResponse, error) {
	info, err := describe(ctx, s.impl)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return infoToProto(info), nil
}

// Configure implements TargetService.Configure: the tables are decoded,
// checked against the schema, then handed to the Configurer.
func (s *server) Configure(ctx context.Context, req *targetv1.ConfigureRequest) (*targetv1.ConfigureResponse, error) {
	var cfg Config
	var err error
	if cfg.Global, err = decodeTable(req.GetGlobalJson()); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "global_json: %v", err)
	}
	if cfg.Check, err = decodeTable(req.GetCheckJson()); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "check_json: %v", err)
	}
	info, err := describe(ctx, s.impl)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.configured = false
	if cfg, err = info.Schema.Validate(cfg); err == nil {
		if c, ok := s.impl.(Configurer); ok {
			err = safeConfigure(ctx, c, cfg)
		}
	}
	var pe *panicError
	if errors.As(err, &pe) {
		return nil, status.Error(codes.Internal, pe.Error())
	}
	if err != nil {
		var ce *ConfigError
		if !errors.As(err, &ce) {
			ce = &ConfigError{Fields: []FieldError{{Message: err.Error()}}}
		}
		return &targetv1.ConfigureResponse{Errors: fieldErrorsToProto(ce.Fields)}, nil
	}
	s.configured = true
	return &targetv1.ConfigureResponse{}, nil
}

// Send implements TargetService.Send.
func (s *server) Send(ctx context.Context, req *targetv1.SendRequest) (*targetv1.SendResponse, error) {
	if req.GetEvent() == nil {
		return nil, status.Error(codes.InvalidArgument, "event is required")
	}
	ev, err := eventFromProto(req.GetEvent())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.configured {
		return nil, status.Error(codes.FailedPrecondition, "target not configured: call Configure (with this check's tables) before Send")
	}
	start := time.Now()
	res, err := safeSend(ctx, s.impl, ev)
	if res.Latency == 0 {
		res.Latency = time.Since(start)
	}
	var pe *panicError
	if errors.As(err, &pe) {
		return nil, status.Error(codes.Internal, pe.Error())
	}
	if ctxErr := ctx.Err(); err != nil && ctxErr != nil {
		return nil, status.FromContextError(ctxErr).Err()
	}
	return resultToProto(res, err), nil
}

// panicError is a panic recovered from a target's method. It is reported to
// the host instead of taking the plugin process down mid-RPC.
type panicError struct {
	method string
	value  any
}

func (e *panicError) Error() string {
	return fmt.Sprintf("target panicked in %s: %v", e.method, e.value)
}

func recovered(method string, err *error) {
	if v := recover(); v != nil {
		// The stack goes to the plugin's stderr, which pakyas shows with -v.
		debug.PrintStack()
		*err = &panicError{method: method, value: v}
	}
}

func safeSend(ctx context.Context, t Target, ev Event) (res Result, err error) {
	defer recovered("Send", &err)
	return t.Send(ctx, ev)
}

func safeConfigure(ctx context.Context, c Configurer, cfg Config) (err error) {
	defer recovered("Configure", &err)
	return c.Configure(ctx, cfg)
}
