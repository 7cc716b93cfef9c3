//go:build thin

package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core/console"
)

// fullName is the executable of the complete pakyas: the server, the
// plugin commands and the host of target plugins. This lean pakyas (built
// with -tags thin, as make builds it) links none of them, so a monitored
// run does not pay their start-up; it runs pakyas-full for them.
const fullName = "pakyas-full"

// fullPath finds pakyas-full next to this executable, else on PATH.
func fullPath() (string, error) {
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		p := filepath.Join(filepath.Dir(self), fullName+exeSuffix)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(fullName); err == nil {
		return p, nil
	}
	return "", errors.New(fullName + " is not next to pakyas nor on PATH (install both: make install)")
}

// handOff runs this command line in pakyas-full, in place of this process
// where the system can (execFull). It returns only when it could not.
func (e *env) handOff() error {
	p, err := fullPath()
	if err != nil {
		return err
	}
	// pakyas-full clears the marker (forgetHandOff); a lean build
	// installed as pakyas-full finds it and refuses rather than hand the
	// command on for ever.
	if os.Getenv(handOffEnv) != "" {
		return errors.New(p + " is not the complete pakyas (it handed the command back): reinstall both with make install")
	}
	e.mu.Lock()
	warned := slices.Sorted(maps.Keys(e.warned))
	e.mu.Unlock()
	if !execReplaces {
		// Ctrl-C reaches both processes: this one catches it and waits
		// for pakyas-full, which decides.
		e.waitSignals()
	}
	_ = os.Setenv(handOffEnv, handOffMarker(warned))
	err = execFull(p, e.args)
	_ = os.Unsetenv(handOffEnv)
	return err
}

// forgetHandOff: the lean build keeps the marker, to refuse a second
// hand-off.
func (e *env) forgetHandOff() {}

// handOffWhole hands args to pakyas-full before anything else when
// pakyas-full answers them whole: a command it runs (server, plugin), its
// help (`pakyas help server`) and shell completion under it. Without
// pakyas-full, the lean commands go on to say what to install.
func (e *env) handOffWhole(args []string) {
	name, at := commandName(args)
	if name == "help" || name == "h" { // `pakyas help [-v] server`
		name = ""
		for _, a := range args[at+1:] {
			if !strings.HasPrefix(a, "-") {
				name = a
				break
			}
		}
	}
	if name == "server" || name == "plugin" {
		_ = e.handOff()
	}
}

// handOffCommand is a command that pakyas-full runs: its flags, help and
// subcommands are pakyas-full's.
func handOffCommand(e *env, name, usage, usageText string) *cli.Command {
	return &cli.Command{
		Name: name, Usage: usage, UsageText: usageText,
		SkipFlagParsing: true,
		Action: func(context.Context, *cli.Command) error {
			err := e.handOff()
			return withCode(exitError, fmt.Sprintf("pakyas %s: %v", name, err),
				"`make install` installs pakyas and pakyas-full side by side; `go install ./cmd/pakyas` builds one complete pakyas")
		},
	}
}

func serverCommand(e *env) *cli.Command {
	return handOffCommand(e, "server", "run the Pakyas server: ping endpoints, API, status engine and alerts",
		"pakyas server [--listen 127.0.0.1:8484] [--data-dir DIR] [--dev]\n\n(see 'pakyas server --help')")
}

func pluginCommand(e *env) *cli.Command {
	return handOffCommand(e, "plugin", "target plugins: list the installed ones, describe one, check one against the plugin protocol",
		"pakyas plugin list|info|check|test ...\n\n(see 'pakyas plugin --help')")
}

func (e *env) warnf(format string, args ...any) {
	console.Warn(e.stderr, fmt.Sprintf(format, args...), "")
}
