package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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
			assert.Equal(t, tt.want, useColor(tt.tty, func(k string) string { return tt.env[k] }))
		})
	}
}

func TestTableAlignsColouredCells(t *testing.T) {
	var buf bytes.Buffer
	o := &output{w: &buf, color: true}
	tb := &table{head: []string{"SLUG", "STATUS", "X"}}
	tb.add(cell{text: "a"}, cell{text: "On Schedule", color: statusColor("up")}, cell{text: "1"})
	tb.add(cell{text: "long-slug"}, cell{text: "Missing", color: statusColor("down")}, cell{text: "2"})
	o.table(tb)
	plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(buf.String(), "")
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	require.Len(t, lines, 3)
	for _, l := range lines[1:] {
		assert.Equal(t, strings.Index(lines[0], "X"), strings.LastIndex(l, " ")+1, "%q", l)
	}
	assert.Contains(t, buf.String(), "\x1b[32mOn Schedule\x1b[0m")
	assert.Contains(t, buf.String(), "\x1b[31mMissing\x1b[0m")
}

// TestREADMEDocumentsExitCodes keeps the README's "Exit codes" table in
// step with the codes pakyas uses.
func TestREADMEDocumentsExitCodes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, section, found := strings.Cut(string(b), "\n## Exit codes\n")
	require.True(t, found, "README.md has no \"## Exit codes\" section")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, code := range []int{exitOK, exitError, exitUsage, exitMonitoring, exitAuth, exitNotFound, exitNoProject} {
		assert.Contains(t, section, "\n| "+strconv.Itoa(code)+" |", "exit code %d", code)
	}
}
