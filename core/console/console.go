// Package console is how pakyas writes to a person's terminal: the one
// format of its error and warning lines, and the escaping of text that
// came from a job, a server or another user (check names, reasons, output
// tails) so that it can never move the cursor, recolour or retitle the
// terminal, or hide what follows it.
package console

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Error writes "pakyas: <msg>" and, when hint is not empty, a "hint:"
// line; a hint of several lines is indented under it. Both are escaped
// with Line.
func Error(w io.Writer, msg, hint string) {
	fmt.Fprintf(w, "pakyas: %s\n", Line(msg))
	writeHint(w, hint)
}

// Warn writes "pakyas: warning: <msg>" and an optional hint, as Error:
// the one format of a warning, from every command.
func Warn(w io.Writer, msg, hint string) {
	fmt.Fprintf(w, "pakyas: warning: %s\n", Line(msg))
	writeHint(w, hint)
}

func writeHint(w io.Writer, hint string) {
	if hint == "" {
		return
	}
	lines := strings.Split(hint, "\n")
	for i := range lines {
		lines[i] = Line(lines[i])
	}
	fmt.Fprintf(w, "hint: %s\n", strings.Join(lines, "\n      "))
}

// Line returns s safe to print as (part of) one line: every control
// character, newlines and tabs included, is written as a Go escape (\n,
// \x1b, \u202e), and so is every byte that is not valid UTF-8.
func Line(s string) string { return escape(s, false) }

// Text returns s safe to print as a block of lines: as Line, but newlines
// and tabs are kept (a carriage return is escaped: it would let a line
// overwrite itself).
func Text(s string) string { return escape(s, true) }

func escape(s string, multiline bool) string {
	if clean(s, multiline) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case multiline && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unsafe(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether s needs no escaping: the common case, checked
// without allocating.
func clean(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (unsafe(r) && !(multiline && (r == '\n' || r == '\t'))) {
			return false
		}
		i += size
	}
	return true
}

// unsafe reports whether r changes how a terminal shows what follows it:
// C0 and C1 controls, DEL, and the Unicode bidirectional and invisible
// formatting characters that reorder or hide text.
func unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0xfeff:
		return true
	}
	return false
}
