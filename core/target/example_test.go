package target_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pakyas/pakyas/core/target"
)

// jsonl is the target of the package documentation.
type jsonl struct{ path string }

var (
	_ target.Target     = (*jsonl)(nil)
	_ target.Describer  = (*jsonl)(nil)
	_ target.Configurer = (*jsonl)(nil)
)

func (j *jsonl) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "jsonl", Version: "0.1.0", Schema: target.ConfigSchema{Fields: []target.Field{{
		Key: "path", Type: target.TypeString, Required: true, Scope: target.ScopeGlobal,
		Description: "file the events are appended to",
	}}}}, nil
}

func (j *jsonl) Configure(_ context.Context, c target.Config) error {
	j.path = c.String("path") // the SDK has checked it is a string and set
	return nil
}

func (j *jsonl) Send(_ context.Context, e target.Event) (target.Result, error) {
	line, err := json.Marshal(map[string]any{
		"check": e.CheckIdentifier, "event": e.Type, "exit_code": e.ExitCode, "run_id": e.RunID,
	})
	if err != nil {
		return target.Result{}, err
	}
	f, err := os.OpenFile(j.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return target.Result{}, fmt.Errorf("open %s: %w (check path in [targets.jsonl])", j.path, err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return target.Result{}, fmt.Errorf("append to %s: %w", j.path, err)
	}
	return target.Result{Message: "appended to " + j.path}, nil
}

// Example runs the package documentation's target the way pakyas does,
// minus the process: describe, configure, send. A real plugin's main is
// `target.Serve(&jsonl{})`.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "jsonl")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "events.jsonl")

	t := &jsonl{}
	info, _ := t.Describe(ctx)
	cfg, err := info.Schema.Validate(target.Config{Global: map[string]any{"path": path}})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = t.Configure(ctx, cfg)
	_, _ = t.Send(ctx, target.Event{CheckIdentifier: "backup-db", Type: target.Start, RunID: "r1"})
	_, _ = t.Send(ctx, target.Event{CheckIdentifier: "backup-db", Type: target.Success, ExitCode: new(0), RunID: "r1"})

	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output:
	// {"check":"backup-db","event":"start","exit_code":null,"run_id":"r1"}
	// {"check":"backup-db","event":"success","exit_code":0,"run_id":"r1"}
}
