package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
