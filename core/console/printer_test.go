package console

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUseColor(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"terminal", true, nil, true},
		{"pipe", false, nil, false},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, false},
		{"empty NO_COLOR", true, map[string]string{"NO_COLOR": ""}, true},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, UseColor(tt.tty, func(k string) string { return tt.env[k] }))
		})
	}
}

func TestTableAlignsColouredAndEscapedCells(t *testing.T) {
	var buf bytes.Buffer
	p := &Printer{W: &buf, Color: true}
	tb := &Table{Head: []string{"SLUG", "STATUS", "X"}}
	tb.Add(Cell{Text: "a\x1b[2J"}, Cell{Text: "On Schedule", Color: StatusColor("up")}, Cell{Text: "1"})
	tb.Add(Cell{Text: "long-slug"}, Cell{Text: "Missing", Color: StatusColor("down")}, Cell{Text: "2"})
	p.Table(tb)
	plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(buf.String(), "")
	assert.NotContains(t, plain, "\x1b", "only our colours are escape sequences")
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	require.Len(t, lines, 3)
	for _, l := range lines[1:] {
		assert.Equal(t, strings.Index(lines[0], "X"), strings.LastIndex(l, " ")+1, "%q", l)
	}
	assert.Contains(t, buf.String(), "\x1b[32mOn Schedule\x1b[0m")
	assert.Contains(t, buf.String(), "\x1b[31mMissing\x1b[0m")
	assert.Contains(t, buf.String(), `a\x1b[2J`)
}

func TestPrintfEscapesArguments(t *testing.T) {
	var buf bytes.Buffer
	p := &Printer{W: &buf, Color: true}
	p.Printf("%s is %s (%d)\n", "name\x07", p.Paint("Missing", Red), 3)
	assert.Equal(t, "name\\x07 is \x1b[31mMissing\x1b[0m (3)\n", buf.String())
}

func TestFormats(t *testing.T) {
	for sec, want := range map[int64]string{0: "0s", 90: "1m30s", 3600: "1h", 86400 + 3661: "1d1h1m1s"} {
		assert.Equal(t, want, Seconds(sec))
	}
	assert.Equal(t, "-", Time(nil))
	assert.Equal(t, "first …", OneLine(" first\nsecond", 10))
	assert.Equal(t, "abcd…", OneLine("abcdefgh", 5))
}
