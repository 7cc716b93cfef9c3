package targettest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/core/target/targettest"
	"github.com/pakyas/pakyas/internal/testutil"
)

// poster POSTs every event to url, honouring ctx.
type poster struct{ url string }

func (*poster) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "poster", Version: "1.0.0", Schema: target.ConfigSchema{Fields: []target.Field{
		{Key: "url", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true, Description: "where events go"},
		{Key: "id", Type: target.TypeString, Scope: target.ScopeCheck, Required: true, Description: "the check's id"},
	}}}, nil
}

func (p *poster) Configure(_ context.Context, c target.Config) error {
	var errs target.ConfigError
	if c.String("id") == "nope" {
		errs.Add(target.ScopeCheck, "id", `"nope" is not an id`)
	}
	p.url = c.String("url")
	return errs.Err()
}

func (p *poster) Send(ctx context.Context, e target.Event) (target.Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/"+string(e.Type), nil)
	if err != nil {
		return target.Result{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return target.Result{}, err
	}
	resp.Body.Close()
	return target.Result{Message: resp.Status}, nil
}

// TestRunInProcess is how a plugin author uses the suite.
func TestRunInProcess(t *testing.T) {
	var ep *targettest.Endpoint
	var sent []string
	targettest.Run(t, targettest.Config{
		Target: &poster{},
		Endpoint: func(e *targettest.Endpoint) (good, slow targettest.Tables) {
			ep = e
			return targettest.Tables{Global: map[string]any{"url": e.URL}, Check: map[string]any{"id": "a1"}},
				targettest.Tables{Global: map[string]any{"url": e.HangURL}, Check: map[string]any{"id": "a1"}}
		},
		Bad: []targettest.Bad{{
			Name:   "a bad id",
			Tables: targettest.Tables{Global: map[string]any{"url": "http://127.0.0.1:1"}, Check: map[string]any{"id": "nope"}},
			Keys:   []string{"id"},
		}},
		Verify: func(e target.Event) error {
			reqs := ep.Requests()
			if len(reqs) == 0 || reqs[len(reqs)-1].Path != "/"+string(e.Type) {
				return fmt.Errorf("endpoint got %v", reqs)
			}
			sent = append(sent, string(e.Type))
			return nil
		},
	})
	assert.Equal(t, []string{"start", "success", "fail"}, sent)
}

// TestCheckBundled: the bundled plugins pass every step with configurations
// derived from their schemas, as `pakyas plugin check` runs them.
func TestCheckBundled(t *testing.T) {
	for _, name := range []string{"healthchecks", "cronitor", "webhook"} {
		t.Run(name, func(t *testing.T) {
			bin := testutil.Binary(t, "./plugins/"+name, "pakyas-target-"+name)
			for _, r := range targettest.Check(context.Background(), targettest.Config{Binary: bin, FromSchema: true}) {
				assert.Equal(t, targettest.Pass, r.Status, "%s: %s", r.Step, r.Message)
			}
		})
	}
}

// TestCheckBroken: each broken plugin fails at the step that catches it,
// with a message that says what to fix, and the steps after it are skipped.
func TestCheckBroken(t *testing.T) {
	for _, tc := range []struct {
		pkg, step string
		want      []string
	}{
		{"badcookie", "handshake", []string{"without printing the handshake line", "target.Serve", "PAKYAS_TARGET_PLUGIN"}},
		{"stdout", "handshake", []string{`"starting up`, "must write nothing else to stdout", "log to stderr"}},
		{"v2only", "handshake", []string{"speaks protocol version 2", "this pakyas speaks 1"}},
		{"panicsend", "send-start", []string{"target panicked in Send", "assignment to entry in nil map", "must not crash", "do not panic"}},
		{"nodeadline", "deadline", []string{"kept its request open", "http.NewRequestWithContext"}},
		{"sleepsend", "send-start", []string{"did not answer within 3s", "must answer before its deadline", "pass ctx to every call"}},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			bin := testutil.Binary(t, "./core/target/targettest/testdata/"+tc.pkg, "pakyas-target-"+tc.pkg)
			results := targettest.Check(context.Background(), targettest.Config{Binary: bin, FromSchema: true})
			if tc.pkg == "sleepsend" {
				// One ignored deadline is waited out, not one per step:
				// the later sends are skipped, and the deadline step
				// says why.
				for _, r := range results {
					switch r.Step {
					case "send-success", "send-fail":
						assert.Equal(t, targettest.Skip, r.Status, r.Message)
						assert.Contains(t, r.Message, "still in the Send of send-start")
					case "deadline":
						assert.Equal(t, targettest.Fail, r.Status)
						assert.Contains(t, r.Message, "ignored its deadline")
					}
				}
				return
			}
			require.Len(t, results, len(targettest.Steps()))
			failed := false
			for _, r := range results {
				switch {
				case r.Step == tc.step:
					require.Equal(t, targettest.Fail, r.Status, r.Message)
					for _, w := range tc.want {
						assert.Contains(t, r.Message, w)
					}
					failed = true
				case !failed:
					assert.Equal(t, targettest.Pass, r.Status, "%s: %s", r.Step, r.Message)
				case r.Step != "send-success" && r.Step != "send-fail": // sends fail alike
					assert.Equal(t, targettest.Skip, r.Status, "%s: %s", r.Step, r.Message)
				}
			}
		})
	}
}

func TestParseHandshake(t *testing.T) {
	for _, tc := range []struct {
		line, err string
	}{
		{"1|1|unix|/tmp/p/plugin1|grpc\n", ""},
		{"1|1|tcp|127.0.0.1:1234|grpc|", ""},
		{"hello", "not the handshake line"},
		{"2|1|unix|/x|grpc", "core protocol version"},
		{"1|x|unix|/x|grpc", "is not a number"},
		{"1|3|unix|/x|grpc", "speaks protocol version 3; this pakyas speaks 1"},
		{"1|1|pipe|/x|grpc", "network type"},
		{"1|1|unix|/x", "pakyas speaks gRPC only"},
		{"1|1|unix|/x|netrpc", "pakyas speaks gRPC only"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			_, err := targettest.ParseHandshake(tc.line)
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.err)
		})
	}
}

// TestLaunchNamesBothProtocolVersions pins what pakyas says, through
// go-plugin, when a plugin speaks only a protocol version it does not know:
// both versions. `pakyas plugin check` and list say it in full (Probe).
func TestLaunchNamesBothProtocolVersions(t *testing.T) {
	bin := testutil.Binary(t, "./core/target/targettest/testdata/v2only", "pakyas-target-v2only")
	c, err := target.Launch(context.Background(), bin, target.LaunchOptions{})
	if c != nil {
		c.Kill()
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Plugin version: 2")
	assert.Contains(t, err.Error(), "Client versions: [1]")
}

// lax describes itself as told and accepts every configuration.
type lax struct{ version string }

func (l *lax) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "lax", Version: l.version, Schema: target.ConfigSchema{Fields: []target.Field{
		{Key: "path", Type: target.TypeString, Scope: target.ScopeGlobal, Description: "a path"},
	}}}, nil
}
func (*lax) Configure(context.Context, target.Config) error { return nil }
func (*lax) Send(context.Context, target.Event) (target.Result, error) {
	return target.Result{Message: "ok"}, nil
}

// TestMessagesNameTheProtocol: a failure says what is wrong in the
// protocol's terms (messages and fields of target.proto), which a plugin in
// any language can act on, and the Go SDK's way in parentheses.
func TestMessagesNameTheProtocol(t *testing.T) {
	step := func(results []targettest.Result, name string) targettest.Result {
		for _, r := range results {
			if r.Step == name {
				return r
			}
		}
		t.Fatalf("no step %s in %v", name, results)
		return targettest.Result{}
	}
	r := step(targettest.Check(context.Background(), targettest.Config{Target: &lax{}}), "describe")
	require.Equal(t, targettest.Fail, r.Status)
	assert.Contains(t, r.Message, "DescribeResponse.version is empty")
	assert.Contains(t, r.Message, "(Go SDK: Info.Version")

	r = step(targettest.Check(context.Background(), targettest.Config{Target: &lax{version: "1.0.0"},
		Bad: []targettest.Bad{{Name: "a relative path", Tables: targettest.Tables{Global: map[string]any{"path": "x"}}, Keys: []string{"path"}}},
	}), "config-bad")
	require.Equal(t, targettest.Fail, r.Status)
	assert.Contains(t, r.Message, "accepted a configuration with a relative path: Configure must answer ConfigureResponse.errors with a FieldError whose path names path")
	assert.Contains(t, r.Message, "(Go SDK: return a *target.ConfigError)")
}
