package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core/target"
)

// line is one event as written to the file: the webhook payload's fields
// plus the run id.
type line struct {
	CheckIdentifier string `json:"check_identifier"`
	EventType       string `json:"event_type"`
	ExitCode        *int   `json:"exit_code"`
	DurationMS      int64  `json:"duration_ms"`
	Timestamp       string `json:"timestamp"`
	Host            string `json:"host"`
	Output          string `json:"output"`
	RunID           string `json:"run_id"`
}

// jsonl appends each event to a file as a JSON line.
type jsonl struct {
	version string

	mu   sync.Mutex // one line at a time, whole
	path string
}

var (
	_ target.Target     = (*jsonl)(nil)
	_ target.Describer  = (*jsonl)(nil)
	_ target.Configurer = (*jsonl)(nil)
)

func newJSONL(version string) *jsonl { return &jsonl{version: version} }

// Describe implements target.Describer.
func (j *jsonl) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "jsonl", Version: j.version, Schema: target.ConfigSchema{Fields: []target.Field{
		{Key: "path", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true,
			Description: "file every event is appended to, one JSON object a line (created if missing)"},
	}}}, nil
}

// Configure implements target.Configurer. The SDK has already checked that
// path is set and is a string; what is left is whether it can be a file.
func (j *jsonl) Configure(_ context.Context, c target.Config) error {
	var errs target.ConfigError
	path := c.String("path")
	switch fi, err := os.Stat(path); {
	case !filepath.IsAbs(path):
		errs.Add(target.ScopeGlobal, "path", fmt.Sprintf("%q is relative; use an absolute path, pakyas runs from any directory", path))
	case err == nil && fi.IsDir():
		errs.Add(target.ScopeGlobal, "path", fmt.Sprintf("%s is a directory; name a file in it, e.g. %s", path, filepath.Join(path, "events.jsonl")))
	case err != nil && !os.IsNotExist(err):
		errs.Add(target.ScopeGlobal, "path", err.Error())
	default:
		if _, err := os.Stat(filepath.Dir(path)); err != nil {
			errs.Add(target.ScopeGlobal, "path", fmt.Sprintf("directory %s does not exist; create it first", filepath.Dir(path)))
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	j.mu.Lock()
	j.path = path
	j.mu.Unlock()
	return nil
}

// Send implements target.Target.
func (j *jsonl) Send(ctx context.Context, e target.Event) (target.Result, error) {
	b, err := json.Marshal(line{
		CheckIdentifier: e.CheckIdentifier,
		EventType:       string(e.Type),
		ExitCode:        e.ExitCode,
		DurationMS:      e.Duration.Milliseconds(),
		Timestamp:       e.Timestamp.UTC().Format(time.RFC3339Nano),
		Host:            e.Host,
		Output:          e.Output,
		RunID:           e.RunID,
	})
	if err != nil {
		return target.Result{}, fmt.Errorf("jsonl: encode event: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	// A file write does not take a ctx; at least do not start one the
	// host has already given up on.
	if err := ctx.Err(); err != nil {
		return target.Result{}, err
	}
	f, err := os.OpenFile(j.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return target.Result{}, fmt.Errorf("jsonl: %w; check path in [targets.jsonl]", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return target.Result{}, fmt.Errorf("jsonl: append to %s: %w", j.path, err)
	}
	if err := f.Close(); err != nil {
		return target.Result{}, fmt.Errorf("jsonl: close %s: %w", j.path, err)
	}
	return target.Result{Message: "appended to " + j.path}, nil
}
