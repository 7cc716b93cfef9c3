package main

import (
	"encoding/json"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/pakyas/pakyas/core/console"
)

// output writes a command's result: text and tables for people
// (console.Printer), or JSON and nothing else on stdout for scripts.
type output struct {
	console.Printer
	json bool
}

func (e *env) output(s *settings) *output {
	o := &output{Printer: console.Printer{W: e.stdout}, json: s.Format.Value == "json"}
	o.Color = !o.json && console.UseColor(isTerminal(e.stdout), e.getenv)
	return o
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// JSON writes v as indented JSON.
func (o *output) JSON(v any) error { return writeJSON(o.W, v) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printf writes text; a no-op in JSON mode, so JSON output is never mixed
// with text.
func (o *output) printf(format string, args ...any) {
	if !o.json {
		o.Printf(format, args...)
	}
}

// table prints t; a no-op in JSON mode.
func (o *output) table(t *console.Table) {
	if !o.json {
		o.Table(t)
	}
}

// show prints v as JSON, or what text prints for people.
func (o *output) show(v any, text func(o *output)) error {
	if o.json {
		return o.JSON(v)
	}
	text(o)
	return nil
}
