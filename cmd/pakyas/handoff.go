//go:build thin || noserver

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

// The executables a partial pakyas hands commands to. make builds three
// from cmd/pakyas, so that each run pays the start-up of only what it uses:
//
//   - pakyas (-tags thin): the CLI, without the server and the target
//     plugin host; what cron runs.
//   - pakyas-host (-tags noserver): the CLI with the target plugin host and
//     without the server; a run with external targets and `pakyas plugin`
//     run in it.
//   - pakyas-full: the complete pakyas, server included; `pakyas server`
//     runs in it, and it stands in for a missing pakyas-host.
const (
	fullName = "pakyas-full"
	hostName = "pakyas-host"
)

// execPath finds the first of names next to this executable, else the
// first on PATH.
func execPath(names ...string) (string, error) {
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		for _, name := range names {
			p := filepath.Join(filepath.Dir(self), name+exeSuffix)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	if len(names) == 1 {
		return "", errors.New(names[0] + " is not next to pakyas nor on PATH (install both: make install)")
	}
	return "", fmt.Errorf("neither %s is next to pakyas nor on PATH (install them: make install)", strings.Join(names, " nor "))
}

// handOffTo runs this command line in the first of names found (execPath),
// in place of this process where the system can (execFull). It returns
// only when it could not.
func (e *env) handOffTo(names ...string) error {
	p, err := execPath(names...)
	if err != nil {
		return err
	}
	// An executable this command was handed to does not hand it on: a
	// partial build installed under a complete one's name is refused
	// rather than looped into.
	if e.handedOff {
		return errors.New(p + " is not the complete pakyas (it handed the command back): reinstall them with make install")
	}
	e.mu.Lock()
	warned := slices.Sorted(maps.Keys(e.warned))
	e.mu.Unlock()
	if !execReplaces {
		// Ctrl-C reaches both processes: this one catches it and waits
		// for the other, which decides.
		e.waitSignals()
	}
	_ = os.Setenv(handOffEnv, handOffMarker(warned))
	err = execFull(p, e.args)
	_ = os.Unsetenv(handOffEnv)
	return err
}

// handOffWhole hands args, naming command name at index at (commandName),
// before anything else, to the executable that answers them whole
// (wholeHandOffs): a command it runs, its help (`pakyas help server`) and
// shell completion under it. Without that executable, the stand-in
// commands here go on to say what to install.
func (e *env) handOffWhole(args []string, name string, at int) {
	if name == "help" || name == "h" { // `pakyas help [-v] server`
		name = ""
		for _, a := range args[at+1:] {
			if !strings.HasPrefix(a, "-") {
				name = a
				break
			}
		}
	}
	if to := wholeHandOffs[name]; to != nil {
		_ = e.handOffTo(to...)
	}
}

// handOffCommand is a command that the first of to runs: its flags, help
// and subcommands are that executable's.
func handOffCommand(e *env, to []string, name, usage, usageText string) *cli.Command {
	return &cli.Command{
		Name: name, Usage: usage, UsageText: usageText,
		SkipFlagParsing: true,
		Action: func(context.Context, *cli.Command) error {
			err := e.handOffTo(to...)
			return withCode(exitError, fmt.Sprintf("pakyas %s: %v", name, err),
				"`make install` installs pakyas, pakyas-host and pakyas-full side by side; `go install ./cmd/pakyas` builds one complete pakyas")
		},
	}
}

func serverCommand(e *env) *cli.Command {
	return handOffCommand(e, []string{fullName}, "server", "run the Pakyas server: ping endpoints, API, status engine and alerts",
		"pakyas server [--listen 127.0.0.1:8484] [--data-dir DIR] [--dev]\n\n(see 'pakyas server --help')")
}

func (e *env) warnf(format string, args ...any) {
	console.Warn(e.stderr, fmt.Sprintf(format, args...), "")
}
