// Package targettest is the conformance suite for Pakyas target plugins. A
// plugin author calls Run from their own go test; `pakyas plugin check`
// runs the same Steps against a built binary and prints each Result.
//
//	func TestConformance(t *testing.T) {
//		bin := targettest.Build(t, ".", "jsonl") // go build into a temp dir
//		path := filepath.Join(t.TempDir(), "events.jsonl")
//		targettest.Run(t, targettest.Config{
//			Binary: bin,
//			Good:   targettest.Tables{Global: map[string]any{"path": path}},
//			Bad: []targettest.Bad{{
//				Name:   "path is a directory",
//				Tables: targettest.Tables{Global: map[string]any{"path": t.TempDir()}},
//				Keys:   []string{"path"},
//			}},
//		})
//	}
//
// The steps, in order (a step whose prerequisite failed is skipped):
//
//   - handshake: the binary prints go-plugin's handshake line (core
//     protocol 1, the Pakyas protocol version, gRPC) and pakyas connects.
//   - describe: name, version, protocol version and a sane schema.
//   - config-bad: configurations the target must refuse, each with a
//     FieldError naming the key: unknown keys, missing required keys, wrong
//     types (generated from the schema) and Config.Bad.
//   - config-good: the good configuration is accepted.
//   - send-start, send-success, send-fail: each event is delivered.
//   - deadline: a Send with a short deadline returns within it, and the
//     target lets go of its request when the deadline passes.
//
// The suite talks to the plugin over gRPC as pakyas does: a Binary is
// launched with target.Launch; a Target is served in-process on a
// 127.0.0.1 port. It never sends to the internet unless a configuration
// points there: Endpoint gives a local HTTP server to point URL keys at.
//
// This package is public API of github.com/pakyas/pakyas, like
// core/target.
package targettest
