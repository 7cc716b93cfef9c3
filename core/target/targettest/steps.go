package targettest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/pakyas/pakyas/core/target"
)

// Status is a step's outcome.
type Status string

// The statuses. A step is skipped when a step it needs failed.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// Result is one step's outcome with a message for the plugin's author: on
// failure it says what is wrong and what to change.
type Result struct {
	Step    string
	Status  Status
	Message string
	Elapsed time.Duration
}

// Step is one conformance check. Run them in the order Steps returns, on
// one Session: later steps use what earlier ones established.
type Step struct {
	// Name is short and stable, e.g. "handshake".
	Name string
	// Description says what the step checks.
	Description string

	run func(s *Session, ctx context.Context) Result
}

// Steps returns the conformance steps in order.
func Steps() []Step {
	return []Step{
		{"handshake", "the plugin starts, prints go-plugin's handshake line and pakyas connects over gRPC", (*Session).handshake},
		{"describe", "name, version, protocol version and a sane configuration schema", (*Session).describe},
		{"config-bad", "bad configurations are refused with a FieldError naming the key", (*Session).configBad},
		{"config-good", "the good configuration is accepted", (*Session).configGood},
		{"send-start", "a start event is delivered", sendStep(target.Start)},
		{"send-success", "a success event is delivered", sendStep(target.Success)},
		{"send-fail", "a fail event is delivered", sendStep(target.Fail)},
		{"deadline", "a Send with a short deadline returns within it and lets go of its work", (*Session).deadline},
	}
}

// Check runs every step against cfg and returns the results in order.
func Check(ctx context.Context, cfg Config) []Result {
	s := NewSession(cfg)
	defer s.Close()
	var out []Result
	for _, st := range Steps() {
		out = append(out, s.Run(ctx, st))
	}
	return out
}

// Session is one run of the steps against one plugin.
type Session struct {
	cfg     Config
	client  *target.Client
	cleanup []func()

	info       target.Info
	described  bool
	ep         *Endpoint
	good, slow Tables
	configured bool
	delivered  bool   // a send step passed
	hung       string // the send step whose Send ignored its deadline, if any
	runID      string
}

// NewSession prepares a run of the steps; Close ends it.
func NewSession(cfg Config) *Session {
	return &Session{cfg: cfg, runID: newUUID()}
}

// Run runs one step, bounded by the configured StepTimeout.
func (s *Session) Run(ctx context.Context, st Step) Result {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.stepTimeout())
	defer cancel()
	start := time.Now()
	r := st.run(s, ctx)
	r.Step, r.Elapsed = st.Name, time.Since(start)
	return r
}

// Close stops the plugin and everything the session started.
func (s *Session) Close() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
	s.cleanup = nil
}

func pass(format string, a ...any) Result {
	return Result{Status: Pass, Message: fmt.Sprintf(format, a...)}
}
func fail(format string, a ...any) Result {
	return Result{Status: Fail, Message: fmt.Sprintf(format, a...)}
}
func skip(format string, a ...any) Result {
	return Result{Status: Skip, Message: fmt.Sprintf(format, a...)}
}

func (s *Session) handshake(ctx context.Context) Result {
	switch {
	case s.cfg.Binary != "":
		h, err := Probe(ctx, s.cfg.Binary)
		if err != nil {
			return fail("%v", err)
		}
		c, err := target.Launch(ctx, s.cfg.Binary, target.LaunchOptions{StartTimeout: s.cfg.stepTimeout(), Verbose: s.cfg.Verbose, Stderr: s.cfg.Stderr})
		if err != nil {
			return fail("the handshake line was right but pakyas could not connect: %v", err)
		}
		s.client = c
		s.cleanup = append(s.cleanup, c.Kill)
		return pass("protocol %d, %s over %s", h.AppVersion, h.Protocol, h.Network)
	case s.cfg.Target != nil:
		c, err := s.serveInProcess(ctx)
		if err != nil {
			return fail("serve in-process: %v", err)
		}
		s.client = c
		return pass("in-process over gRPC (build the binary and set Config.Binary to test the handshake)")
	}
	return fail("nothing to test: set Config.Binary or Config.Target")
}

// serveInProcess serves the Target on a 127.0.0.1 port and connects to it.
func (s *Session) serveInProcess(ctx context.Context) (*target.Client, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer()
	p := &target.GRPCPlugin{Impl: s.cfg.Target}
	if err := p.GRPCServer(nil, srv); err != nil {
		ln.Close()
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	s.cleanup = append(s.cleanup, srv.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	s.cleanup = append(s.cleanup, func() { _ = conn.Close() })
	raw, err := (&target.GRPCPlugin{}).GRPCClient(ctx, nil, conn)
	if err != nil {
		return nil, err
	}
	return raw.(*target.Client), nil
}

var (
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

func (s *Session) describe(ctx context.Context) Result {
	if s.client == nil {
		return skip("needs a connected plugin (handshake)")
	}
	info, err := s.client.Describe(ctx)
	if err != nil {
		return fail("Describe failed: %v; serve TargetService.Describe and answer a DescribeResponse whose schema uses known field types and scopes (Go SDK: implement target.Describer)", err)
	}
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	want := s.expectedName()
	switch {
	case info.Name == "":
		add("DescribeResponse.name is empty: answer the <name> of pakyas-target-<name> (Go SDK: Info.Name)")
	case !nameRE.MatchString(info.Name):
		add("DescribeResponse.name %q: use lowercase letters, digits, - and _ (it names [targets.<name>])", info.Name)
	case want != "" && info.Name != want:
		add("DescribeResponse.name is %q but the executable is pakyas-target-%s: rename one so they match", info.Name, want)
	}
	if info.Version == "" {
		add("DescribeResponse.version is empty: answer the plugin's release version, e.g. 1.2.0 (Go SDK: Info.Version, set with -ldflags \"-X main.version=1.2.0\")")
	}
	if info.ProtocolVersion != target.ProtocolVersion {
		add("DescribeResponse.protocol_version is %d; this pakyas speaks %d", info.ProtocolVersion, target.ProtocolVersion)
	}
	for _, f := range info.Schema.Fields {
		if !target.KeyPattern.MatchString(f.Key) {
			add("key %q: use a snake_case TOML key (lowercase letters, digits, _)", f.Key)
		}
		if strings.TrimSpace(f.Description) == "" {
			add("key %q has no description (Field.description): pakyas plugin info shows it to users; say what it is and its default", f.Key)
		}
	}
	if len(problems) > 0 {
		return fail("%s", strings.Join(problems, "; "))
	}
	if err := s.prepareConfigs(info); err != nil {
		return fail("%v", err)
	}
	s.info, s.described = info, true
	return pass("%s %s, protocol %d, %d config keys", info.Name, info.Version, info.ProtocolVersion, len(info.Schema.Fields))
}

// expectedName is Config.Name, or the <name> of a pakyas-target-<name>
// Binary.
func (s *Session) expectedName() string {
	if s.cfg.Name != "" {
		return s.cfg.Name
	}
	base := strings.TrimSuffix(filepath.Base(s.cfg.Binary), ".exe")
	if name, ok := strings.CutPrefix(base, "pakyas-target-"); ok {
		return name
	}
	return ""
}

// prepareConfigs sets the good and slow configurations.
func (s *Session) prepareConfigs(info target.Info) error {
	switch {
	case s.cfg.FromSchema:
		s.startEndpoint()
		dir, err := os.MkdirTemp("", "pakyas-plugin-check-")
		if err != nil {
			return err
		}
		s.cleanup = append(s.cleanup, func() { _ = os.RemoveAll(dir) })
		s.good, s.slow, err = fromSchema(info.Schema, s.ep, dir, s.cfg.Set)
		return err
	case s.cfg.Endpoint != nil:
		s.startEndpoint()
		s.good, s.slow = s.cfg.Endpoint(s.ep)
	default:
		s.good = s.cfg.Good
	}
	return nil
}

func (s *Session) startEndpoint() {
	s.ep = NewEndpoint()
	s.cleanup = append(s.cleanup, s.ep.Close)
}

// badCase is one configuration the target must refuse.
type badCase struct {
	name string
	Tables
	keys []string
}

func (s *Session) badCases() []badCase {
	var cases []badCase
	with := func(scope target.Scope, key string, v any) Tables {
		t := s.good.clone()
		table(t, scope)[key] = v
		return t
	}
	cases = append(cases, badCase{"an unknown key", with(target.ScopeGlobal, "pakyas_unknown_key", placeholder), []string{"pakyas_unknown_key"}})
	for _, f := range s.info.Schema.Fields {
		if f.Required {
			t := s.good.clone()
			delete(table(t, f.Scope), f.Key)
			cases = append(cases, badCase{"required key " + f.Key + " missing", t, []string{f.Key}})
		}
		cases = append(cases, badCase{"key " + f.Key + " of the wrong type", with(f.Scope, f.Key, wrongValue(f.Type)), []string{f.Key}})
	}
	for _, b := range s.cfg.Bad {
		cases = append(cases, badCase{b.Name, b.Tables, b.Keys})
	}
	return cases
}

func (s *Session) configBad(ctx context.Context) Result {
	if !s.described {
		return skip("needs a description (describe)")
	}
	var problems []string
	cases := s.badCases()
	for _, c := range cases {
		err := s.client.Configure(ctx, c.config())
		var ce *target.ConfigError
		switch {
		case err == nil:
			problems = append(problems, fmt.Sprintf("accepted a configuration with %s: Configure must answer ConfigureResponse.errors with a FieldError whose path names %s (Go SDK: return a *target.ConfigError)",
				c.name, strings.Join(c.keys, ", ")))
		case !errors.As(err, &ce):
			problems = append(problems, fmt.Sprintf("with %s, Configure failed (a gRPC error) instead of refusing the configuration in ConfigureResponse.errors: %v", c.name, err))
		default:
			for _, k := range c.keys {
				if !slices.ContainsFunc(ce.Fields, func(f target.FieldError) bool { return len(f.Path) > 0 && f.Path[0] == k }) {
					problems = append(problems, fmt.Sprintf("refused a configuration with %s but no FieldError's path starts with %q (got %q) (Go SDK: ConfigError.Add(scope, %q, message))",
						c.name, k, ce.Error(), k))
				}
			}
		}
	}
	if len(problems) > 0 {
		return fail("%s", strings.Join(problems, "; "))
	}
	return pass("%d bad configurations refused, each naming its key", len(cases))
}

func (s *Session) configGood(ctx context.Context) Result {
	if !s.described {
		return skip("needs a description (describe)")
	}
	if err := s.client.Configure(ctx, s.good.config()); err != nil {
		hint := "fix the target's Configure, or Config.Good"
		if s.cfg.FromSchema {
			hint = "the configuration was generated from the schema; give real values with --set key=value"
		}
		return fail("refused the good configuration %v: %v; %s", redact(s.good, s.info), err, hint)
	}
	s.configured = true
	return pass("accepted %v", redact(s.good, s.info))
}

// redact prints t with secret values hidden.
func redact(t Tables, info target.Info) string {
	hide := func(m map[string]any) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			if f, ok := info.Schema.Field(k); ok && f.Secret {
				v = "<secret>"
			}
			out[k] = v
		}
		return out
	}
	return fmt.Sprintf("global %v, check %v", hide(t.Global), hide(t.Check))
}
