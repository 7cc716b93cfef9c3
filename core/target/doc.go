// Package target is the public SDK for Pakyas target plugins, and the
// host's side of the same contract. It is, with proto/target/v1 and its
// conformance suite core/target/targettest, the only public API of this
// module: a third-party plugin imports this package (and targettest in its
// tests) and nothing else of Pakyas.
//
// A target notifies one external service (healthchecks.io, Cronitor, a
// webhook, an in-house pager) of the events of a monitored run: start, then
// success or fail. It is an executable named pakyas-target-<name>, started
// by pakyas only for the checks that need it and spoken to over
// hashicorp/go-plugin gRPC (proto/target/v1/target.proto).
//
// # Writing a target
//
// A target is a type with a Send method. Describe (name, version, the
// configuration keys it accepts) and Configure (receive and check the
// configuration) are optional. This complete plugin appends every event to a
// file as a JSON line:
//
//	package main
//
//	import (
//		"context"
//		"encoding/json"
//		"fmt"
//		"os"
//
//		"github.com/pakyas/pakyas/core/target"
//	)
//
//	type jsonl struct{ path string }
//
//	func (j *jsonl) Describe(context.Context) (target.Info, error) {
//		return target.Info{Name: "jsonl", Version: "0.1.0", Schema: target.ConfigSchema{Fields: []target.Field{{
//			Key: "path", Type: target.TypeString, Required: true, Scope: target.ScopeGlobal,
//			Description: "file the events are appended to",
//		}}}}, nil
//	}
//
//	func (j *jsonl) Configure(_ context.Context, c target.Config) error {
//		j.path = c.String("path") // the SDK has checked it is a string and set
//		return nil
//	}
//
//	func (j *jsonl) Send(_ context.Context, e target.Event) (target.Result, error) {
//		line, err := json.Marshal(map[string]any{
//			"check": e.CheckIdentifier, "event": e.Type, "exit_code": e.ExitCode, "run_id": e.RunID,
//		})
//		if err != nil {
//			return target.Result{}, err
//		}
//		f, err := os.OpenFile(j.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
//		if err != nil {
//			return target.Result{}, fmt.Errorf("open %s: %w (check path in [targets.jsonl])", j.path, err)
//		}
//		defer f.Close()
//		if _, err := f.Write(append(line, '\n')); err != nil {
//			return target.Result{}, fmt.Errorf("append to %s: %w", j.path, err)
//		}
//		return target.Result{Message: "appended to " + j.path}, nil
//	}
//
//	func main() { target.Serve(&jsonl{}) }
//
// Build it into a plugin directory and configure it in
// ~/.config/pakyas/external_monitors.toml:
//
//	go build -o ~/.config/pakyas/plugins/pakyas-target-jsonl .
//
//	[targets.jsonl]
//	path = "/var/log/pakyas-events.jsonl"
//
// A target with required per-check keys (ScopeCheck) applies only to the
// checks that have a [checks."<key>".targets.<name>] table; one without
// applies to every check.
//
// # Rules for plugins
//
// Send honours ctx: it carries pakyas's deadline. A nil error means the
// service accepted the event; an error's text is shown to the user, so make
// it say what to fix. Never write to stdout (go-plugin owns it); log to
// stderr, which pakyas shows with -v. Serve handles the handshake, protocol
// version negotiation, configuration checks against the schema, panics in
// Send, ignores the signals sent to pakyas's process group (pakyas still
// has the finish to send), and exits when pakyas goes away.
//
// # Testing a target
//
// Test Send against an httptest server, then through gRPC in-process:
//
//	client, _ := plugin.TestPluginGRPCConn(t, false, target.PluginSet(&jsonl{}))
//	defer client.Close() // also stops the server
//	raw, err := client.Dispense(target.PluginName)
//	c := raw.(*target.Client) // Describe, Configure, Send as pakyas calls them
//
// Then run the conformance suite, package targettest, which
// `pakyas plugin check` also runs against a built binary:
//
//	targettest.Run(t, targettest.Config{
//		Binary: targettest.Build(t, ".", "jsonl"),
//		Good:   targettest.Tables{Global: map[string]any{"path": filepath.Join(t.TempDir(), "e.jsonl")}},
//	})
//
// docs/writing-a-target.md goes from zero to an installed target, and says
// what a plugin written in another language must implement.
//
// # The host side
//
// Launch starts a plugin executable with the settings a cron wrapper needs
// and returns a *Client; Client's methods carry the caller's deadline to the
// plugin, and Kill ends it.
package target
