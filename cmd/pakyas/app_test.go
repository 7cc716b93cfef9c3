package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommandTable: the names commandsFor looks commands up by are the
// names the commands have.
func TestCommandTable(t *testing.T) {
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	for _, c := range commands {
		cmd := c.build(e)
		assert.Equal(t, c.name, cmd.Name)
		assert.Empty(t, cmd.Aliases, "a top-level alias must be in the table too")
		only := commandsFor(e, c.name)
		require.Len(t, only, 1)
		assert.Equal(t, c.name, only[0].Name)
	}
	name, _ := commandName([]string{"pakyas", "--help"})
	assert.Len(t, commandsFor(e, name), len(commands))
}

func TestCommandName(t *testing.T) {
	for _, tc := range []struct {
		args string
		name string // "": cannot tell, all commands are built
	}{
		{"pakyas monitor backup -- true", "monitor"},
		{"pakyas -v monitor", "monitor"},
		{"pakyas -vv --verbose ping x", "ping"},
		{"pakyas --api-url http://127.0.0.1:1 --org Acme check list", "check"},
		{"pakyas --api-url=http://x --format json check", "check"},
		{"pakyas --config /dev/null whoami", "whoami"},
		{"pakyas --version", ""},
		{"pakyas --help", ""},
		{"pakyas -h monitor", ""},
		{"pakyas --generate-shell-completion", ""},
		{"pakyas -- monitor", ""},
		{"pakyas", ""},
		{"pakyas --api-url", ""},
		{"pakyas mon", "mon"},
	} {
		args := strings.Fields(tc.args)
		name, at := commandName(args)
		assert.Equal(t, tc.name, name, tc.args)
		if tc.name == "" {
			assert.Equal(t, -1, at, tc.args)
		} else {
			assert.Equal(t, tc.name, args[at], tc.args)
		}
	}
}

// TestHelpIsASlug: a leaf command's first argument is a check slug, even
// "help"; --help still shows the help.
func TestHelpIsASlug(t *testing.T) {
	u, srv := loggedIn(t)
	ch := createCheck(t, srv, "help")
	ok(t, u.run("ping", "help"))
	got, err := srv.Client(srv.Key).Check(context.Background(), ch.PublicID)
	require.NoError(t, err)
	assert.Len(t, got.Signals, 1)
	out := ok(t, u.run("ping", "--help"))
	assert.Contains(t, out, "pakyas ping")
	out = ok(t, u.run("check", "help"))
	assert.Contains(t, out, "COMMANDS", "a group keeps its help command")
}
