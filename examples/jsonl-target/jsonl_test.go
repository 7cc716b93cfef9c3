package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pakyas/pakyas/core/target"
	"github.com/pakyas/pakyas/core/target/targettest"
)

// lastLine returns the last line of the file at path, decoded.
func lastLine(path string) (line, error) {
	f, err := os.Open(path)
	if err != nil {
		return line{}, err
	}
	defer f.Close()
	var last line
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			return line{}, fmt.Errorf("%q: %w", sc.Text(), err)
		}
	}
	return last, sc.Err()
}

// conformance is the suite's configuration for this target: a good path,
// the ways a path can be bad, and a check that each event landed.
func conformance(t *testing.T) targettest.Config {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	return targettest.Config{
		Good: targettest.Tables{Global: map[string]any{"path": path}},
		Bad: []targettest.Bad{
			{Name: "a directory", Tables: targettest.Tables{Global: map[string]any{"path": dir}}, Keys: []string{"path"}},
			{Name: "a relative path", Tables: targettest.Tables{Global: map[string]any{"path": "events.jsonl"}}, Keys: []string{"path"}},
			{Name: "a missing directory", Tables: targettest.Tables{Global: map[string]any{"path": filepath.Join(dir, "no", "events.jsonl")}}, Keys: []string{"path"}},
		},
		Verify: func(e target.Event) error {
			got, err := lastLine(path)
			if err != nil {
				return err
			}
			if got.EventType != string(e.Type) || got.RunID != e.RunID || got.CheckIdentifier != e.CheckIdentifier {
				return fmt.Errorf("last line is %+v, want event %s of run %s", got, e.Type, e.RunID)
			}
			return nil
		},
	}
}

// TestConformanceInProcess runs the suite against the target in this
// process: fast, and the race detector sees the target's code.
func TestConformanceInProcess(t *testing.T) {
	cfg := conformance(t)
	cfg.Target = newJSONL("test")
	targettest.Run(t, cfg)
}

// TestConformanceBinary builds the plugin and runs the suite against the
// executable, as pakyas launches it.
func TestConformanceBinary(t *testing.T) {
	cfg := conformance(t)
	cfg.Binary = targettest.Build(t, ".", "jsonl")
	targettest.Run(t, cfg)
}
