package console

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Printer writes a command's output for people: text whose string
// arguments are escaped (Line), tables with aligned columns, colour only
// when Color is set (a terminal, see UseColor).
type Printer struct {
	W     io.Writer
	Color bool
}

// Printf writes text. String arguments came from a server, a job or a
// user: their control characters are escaped; Painted ones are printed
// as they are.
func (p *Printer) Printf(format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = Line(s)
		}
	}
	fmt.Fprintf(p.W, format, args...)
}

// Painted is text that Paint escaped and coloured.
type Painted string

// ANSI colours.
const (
	Red    = "31"
	Green  = "32"
	Yellow = "33"
	Blue   = "34"
	Grey   = "90"
)

// Paint escapes s and, when the Printer has colour, colours it.
func (p *Printer) Paint(s, color string) Painted {
	s = Line(s)
	if !p.Color || color == "" {
		return Painted(s)
	}
	return Painted("\x1b[" + color + "m" + s + "\x1b[0m")
}

// UseColor reports whether to colour output: only on a terminal, and
// never with NO_COLOR set (https://no-color.org) or TERM=dumb.
func UseColor(tty bool, getenv func(string) string) bool {
	return tty && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// StatusColor returns the colour of a check status.
func StatusColor(status string) string {
	switch status {
	case "up":
		return Green
	case "late":
		return Yellow
	case "down", "failed", "overrunning":
		return Red
	case "running":
		return Blue
	case "new", "paused":
		return Grey
	}
	return ""
}

// Cell is one table cell: text, and a colour used only on a terminal.
type Cell struct {
	Text, Color string
}

// Table is rows of cells printed with aligned columns.
type Table struct {
	Indent string
	Head   []string
	Rows   [][]Cell
}

// Add adds a row.
func (t *Table) Add(cells ...Cell) { t.Rows = append(t.Rows, cells) }

// AddText adds a row of cells without colour.
func (t *Table) AddText(texts ...string) {
	cells := make([]Cell, len(texts))
	for i, s := range texts {
		cells[i] = Cell{Text: s}
	}
	t.Add(cells...)
}

// Table prints t. Cells are escaped; widths are computed on the text, so
// colour codes never break the alignment.
func (p *Printer) Table(t *Table) {
	width := make([]int, len(t.Head))
	for i, h := range t.Head {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.Rows {
		for i := range r {
			r[i].Text = Line(r[i].Text)
			if n := utf8.RuneCountInString(r[i].Text); i < len(width) && n > width[i] {
				width[i] = n
			}
		}
	}
	line := func(cells []Cell) {
		var b strings.Builder
		b.WriteString(t.Indent)
		for i, c := range cells {
			b.WriteString(string(p.Paint(c.Text, c.Color)))
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c.Text)+2))
			}
		}
		fmt.Fprintln(p.W, strings.TrimRight(b.String(), " "))
	}
	head := make([]Cell, len(t.Head))
	for i, h := range t.Head {
		head[i] = Cell{Text: h}
	}
	line(head)
	for _, r := range t.Rows {
		line(r)
	}
}

// Seconds writes a duration in seconds compactly: 3600 → 1h, 90 → 1m30s.
func Seconds(sec int64) string {
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

// Time writes a time in the local zone, or "-" for none.
func Time(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// OneLine shortens s to its first line, of at most n characters.
func OneLine(s string, n int) string {
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

// OrDash returns s, or "-" when it is empty.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
