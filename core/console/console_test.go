package console

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestLineAndText(t *testing.T) {
	tests := []struct {
		in, line, text string
	}{
		{"backup-db", "backup-db", "backup-db"},
		{"Sauvegarde nocturne ☕", "Sauvegarde nocturne ☕", "Sauvegarde nocturne ☕"},
		{"\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`, `\x1b[2J\x1b[31mred`},
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`, `\x1b]0;pwned\x07`},
		{"line1\nline2\ttab", `line1\nline2\ttab`, "line1\nline2\ttab"},
		{"100%\rdone", `100%\rdone`, `100%\rdone`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`, `bad \xff\xfe utf8`},
		{"c1 \u009b31m", `c1 \x9b31m`, `c1 \x9b31m`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`, `evil\u202egnp.exe`},
		{"zero\u200bwidth", `zero\u200bwidth`, `zero\u200bwidth`},
		{"del\x7f", `del\x7f`, `del\x7f`},
		{"", "", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.line, Line(tt.in), "Line(%q)", tt.in)
		assert.Equal(t, tt.text, Text(tt.in), "Text(%q)", tt.in)
	}
}

func TestErrorAndWarn(t *testing.T) {
	var b bytes.Buffer
	Error(&b, "Check not found: no check \"x\x1b[2J\"", "pakyas check list\npakyas check sync")
	Warn(&b, "ignoring config.toml", "")
	assert.Equal(t, "pakyas: Check not found: no check \"x\\x1b[2J\"\n"+
		"hint: pakyas check list\n      pakyas check sync\n"+
		"pakyas: warning: ignoring config.toml\n", b.String())
}

func FuzzLine(f *testing.F) {
	f.Add("\x1b[31m\n\xff\u202e")
	f.Fuzz(func(t *testing.T, s string) {
		for i, out := range []string{Line(s), Text(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("%q escaped to %q, which is not valid UTF-8", s, out)
			}
			for _, r := range out {
				if unsafe(r) && (i == 0 || (r != '\n' && r != '\t')) {
					t.Fatalf("%q escaped to %q, which still holds %U", s, out, r)
				}
			}
		}
	})
}
