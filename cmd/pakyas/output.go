package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pakyas/pakyas/core/console"
	"golang.org/x/term"
)

// output writes a command's result: aligned tables and text for people,
// or JSON (and nothing else on stdout) for scripts.
type output struct {
	w     io.Writer
	json  bool
	color bool
}

func (e *env) output(s *settings) *output {
	o := &output{w: e.stdout, json: s.Format.Value == "json"}
	o.color = !o.json && useColor(isTerminal(e.stdout), e.getenv)
	return o
}

// useColor reports whether to colour output: only on a terminal, and
// never with NO_COLOR set (https://no-color.org) or TERM=dumb.
func useColor(tty bool, getenv func(string) string) bool {
	return tty && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// JSON writes v as indented JSON.
func (o *output) JSON(v any) error {
	enc := json.NewEncoder(o.w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printf writes text; it is a no-op in JSON mode, so JSON output is never
// mixed with text. String arguments came from a server, a job or a user:
// their control characters are escaped (console.Line); what paint
// coloured is printed as it is.
func (o *output) printf(format string, args ...any) {
	if o.json {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = console.Line(s)
		}
	}
	fmt.Fprintf(o.w, format, args...)
}

// ANSI colours for statuses.
const (
	red    = "31"
	green  = "32"
	yellow = "33"
	blue   = "34"
	grey   = "90"
)

// statusColor returns the colour of a status word.
func statusColor(status string) string {
	switch status {
	case "up":
		return green
	case "late":
		return yellow
	case "down", "failed", "overrunning":
		return red
	case "running":
		return blue
	case "new", "paused":
		return grey
	}
	return ""
}

// painted is text that paint escaped and coloured: printf prints it as
// it is.
type painted string

// paint escapes s and, on a terminal, colours it.
func (o *output) paint(s, color string) painted {
	s = console.Line(s)
	if !o.color || color == "" {
		return painted(s)
	}
	return painted("\x1b[" + color + "m" + s + "\x1b[0m")
}

// cell is one table cell: text, and a colour used only on a terminal.
type cell struct {
	text, color string
}

// table is rows of cells printed with aligned columns. Widths are
// computed on the text, so colour codes never break the alignment.
type table struct {
	indent string
	head   []string
	rows   [][]cell
}

func (t *table) add(cells ...cell) { t.rows = append(t.rows, cells) }

func (t *table) addText(texts ...string) {
	cells := make([]cell, len(texts))
	for i, s := range texts {
		cells[i] = cell{text: s}
	}
	t.add(cells...)
}

func (o *output) table(t *table) {
	width := make([]int, len(t.head))
	for i, h := range t.head {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.rows {
		for i := range r {
			r[i].text = console.Line(r[i].text)
			if n := utf8.RuneCountInString(r[i].text); i < len(width) && n > width[i] {
				width[i] = n
			}
		}
	}
	line := func(cells []cell) {
		var b strings.Builder
		b.WriteString(t.indent)
		for i, c := range cells {
			if i == len(cells)-1 {
				b.WriteString(string(o.paint(c.text, c.color)))
				break
			}
			pad := width[i] - utf8.RuneCountInString(c.text) + 2
			b.WriteString(string(o.paint(c.text, c.color)))
			b.WriteString(strings.Repeat(" ", pad))
		}
		fmt.Fprintln(o.w, strings.TrimRight(b.String(), " "))
	}
	head := make([]cell, len(t.head))
	for i, h := range t.head {
		head[i] = cell{text: h}
	}
	line(head)
	for _, r := range t.rows {
		line(r)
	}
}

// fmtSeconds writes a duration in seconds compactly: 3600 → 1h, 90 → 1m30s.
func fmtSeconds(sec int64) string {
	if sec == 0 {
		return "0s"
	}
	d := time.Duration(sec) * time.Second
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	for _, u := range []struct {
		unit time.Duration
		sfx  string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.sfx)
			d -= n * u.unit
		}
	}
	return b.String()
}

// fmtTime writes a time in the local zone, or "-" for none.
func fmtTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// oneLine shortens s to one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i] + " …"
	}
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n-1]) + "…"
	}
	return s
}
