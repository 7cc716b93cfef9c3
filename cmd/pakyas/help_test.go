package main

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v3"
)

// TestEveryCommandHasHelpWithExample walks the command tree: every command
// documents an example, and `--help` on it prints it and exits 0.
func TestEveryCommandHasHelpWithExample(t *testing.T) {
	root := newRoot(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}, "")
	var paths [][]string
	var walk func(c *cli.Command, path []string)
	walk = func(c *cli.Command, path []string) {
		paths = append(paths, path)
		assert.Contains(t, c.UsageText, "Example", "pakyas %s: UsageText needs an example", strings.Join(path, " "))
		assert.NotEmpty(t, c.Usage, "pakyas %s: Usage", strings.Join(path, " "))
		for _, sub := range c.Commands {
			walk(sub, append(append([]string{}, path...), sub.Name))
		}
	}
	walk(root, nil)
	require.Greater(t, len(paths), 30)

	u := newUser(t)
	for _, p := range paths {
		t.Run(strings.Join(append([]string{"pakyas"}, p...), " "), func(t *testing.T) {
			r := u.run(append(p, "--help")...)
			assert.Equal(t, 0, r.code, "%s", r)
			assert.Contains(t, r.stdout, "Example")
		})
	}
}

func TestShellCompletion(t *testing.T) {
	u := newUser(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out := ok(t, u.run("completion", shell))
		assert.Contains(t, out, "pakyas", shell)
	}
	out := ok(t, u.run("--help"))
	assert.Contains(t, out, "completion")
	// The completion protocol itself lists subcommands.
	out = ok(t, u.run("check", "--generate-shell-completion"))
	for _, sub := range []string{"create", "list", "show", "sync", "timeline"} {
		assert.Contains(t, out, sub)
	}
}

func TestVersion(t *testing.T) {
	u := newUser(t)
	assert.True(t, strings.HasPrefix(ok(t, u.run("version")), "pakyas "))
	assert.True(t, strings.HasPrefix(ok(t, u.run("--version")), "pakyas "))
	// -v is --verbose, not the version.
	r := u.run("-v")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "USAGE")
}
