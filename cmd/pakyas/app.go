package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/urfave/cli/v3"
)

// Exit codes of pakyas, documented in README.md ("Exit codes"). `pakyas
// monitor` exits with the job's own code when the finish signal reached
// the server, so its codes are documented with it.
const (
	exitOK         = 0
	exitError      = 1 // a command failed; the message says why
	exitUsage      = 2 // bad flags or arguments
	exitMonitoring = 3 // the Pakyas server could not be reached or refused the signal
	exitAuth       = 4 // not logged in, or the server refused the API key
	exitNotFound   = 5 // no such check, project, organization, channel or key
	exitNoProject  = 6 // no organization or project selected, or a name matches several
)

// usageError marks errors in how a command was called; hint, if set,
// says where the command's help is.
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// codeError carries an exit code through urfave/cli without letting it
// call os.Exit. A nil err exits with code silently.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}
func (e *codeError) Unwrap() error { return e.err }

// withCode returns a *codeError with code and a user-facing *core.Error.
func withCode(code int, msg, hint string) error {
	return &codeError{code: code, err: &core.Error{Code: core.EINVALID, Message: msg, Hint: hint}}
}

// exitCodes maps the kind of an error (core error codes) to the exit code
// of pakyas: the one table of it.
var exitCodes = map[string]int{
	core.ENOTFOUND:     exitNotFound,
	core.EUNAUTHORIZED: exitAuth,
	core.EFORBIDDEN:    exitAuth,
	core.EAMBIGUOUS:    exitNoProject,
	core.EUNAVAILABLE:  exitMonitoring,
	core.ERATELIMIT:    exitMonitoring,
}

// exitCode returns the exit code for err.
func exitCode(err error) int {
	var ce *codeError
	switch {
	case errors.As(err, &ce):
		return ce.code
	case isUsage(err):
		return exitUsage
	}
	var e *core.Error
	if errors.As(err, &e) {
		if code, ok := exitCodes[e.Code]; ok {
			return code
		}
	}
	return exitError
}

// env bundles what commands need from the process, so tests run them
// in-process with their own environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	args           []string // the command line, for a hand-off (handOffTo)
	// external is external_monitors.toml as the lean build read it to
	// decide its hand-off, so the run does not read it again.
	external *config.ExternalFile
	// handedOff: a partial pakyas handed this process its command
	// (forgetHandOff).
	handedOff bool

	mu     sync.Mutex
	warned map[string]bool // environment variables warned about (warnedEnv)

	caught <-chan struct{} // closed once signals are caught (waitSignals)
}

// run runs the pakyas command line args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return (&env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}).run(ctx, args)
}

func (e *env) run(ctx context.Context, args []string) int {
	e.args, e.caught = args, signalsCaught(ctx)
	e.forgetHandOff()
	name, at := commandName(args)
	e.handOffWhole(args, name, at)
	root := newRoot(e, name)
	err := root.Run(ctx, args)
	if err == nil {
		return exitOK
	}
	var ce *codeError
	if errors.As(err, &ce) && ce.err == nil {
		return ce.code
	}
	printError(e.stderr, err)
	return exitCode(err)
}

func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

// printError prints "pakyas: <what went wrong>" and a "hint:" line when
// the error carries one (console.Error). The context wrapped around a
// *core.Error ("save settings: ...") is kept; the hint is the first one
// in the chain.
func printError(w io.Writer, err error) {
	msg := err.Error()
	hint := core.ErrorHint(err)
	var ce *core.Error
	if errors.As(err, &ce) && ce.Hint != "" {
		// core.Error's text ends with its hint, printed on its own line.
		msg = strings.TrimSuffix(msg, " (hint: "+ce.Hint+")")
	}
	var ue *usageError
	if hint == "" && errors.As(err, &ue) {
		hint = ue.hint
	}
	console.Error(w, msg, hint)
}

// newRoot builds the command tree for a command line naming command name
// (commandName; "" for none).
func newRoot(e *env, name string) *cli.Command {
	root := &cli.Command{
		Name:  "pakyas",
		Usage: "monitor cron jobs and scheduled tasks",
		UsageText: `pakyas [global options] COMMAND [options] [arguments]

Examples:
  pakyas login --api-key pk_live_your_api_key_here
  pakyas check create --name "Hourly Sync" --slug hourly-sync --period 3600 --grace 300
  pakyas ping hourly-sync
  pakyas --org "Company A" check list`,
		Version:   version,
		Writer:    e.stdout,
		ErrWriter: e.stderr,
		// -v is --verbose, so the built-in --version/-v flag is replaced
		// by our own --version (and the version command).
		HideVersion: true,
		Suggest:     true,
		// -vv is -v -v.
		UseShortOptionHandling: true,
		// Never let urfave/cli call os.Exit: run turns errors into exit
		// codes, and clean-up (plugins, spool) must always run.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		Flags:          globalFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Bool("version") {
				return versionCommand(e).Action(ctx, cmd)
			}
			return groupAction(ctx, cmd)
		},
		Commands: commandsFor(e, name),
	}
	if completes(e.args, name) {
		root.EnableShellCompletion = true
		root.ConfigureShellCompletionCommand = func(c *cli.Command) {
			c.Hidden = false
			c.UsageText = "pakyas completion bash|zsh|fish|pwsh\n\nExample:\n  source <(pakyas completion bash)"
		}
	}
	// Usage errors of every command are returned, not printed with the
	// whole help: run prints one line and where the help is.
	_ = root.Walk(func(c *cli.Command) error {
		c.OnUsageError = onUsageError
		// A command without subcommands has no `help` subcommand: its
		// first argument is a check slug, and `pakyas ping help` pings
		// the check named help (--help shows the help).
		c.HideHelpCommand = c != root && len(c.Commands) == 0
		return nil
	})
	return root
}

// completes reports whether the command line args, naming command name,
// may involve shell completion: the completion protocol
// (--generate-shell-completion), or no command of ours (the completion
// command itself, help, which lists it, or none). urfave/cli builds the
// completion command on every run it is enabled for.
func completes(args []string, name string) bool {
	_, ours := commandNamed(name)
	return !ours || slices.Contains(args, "--generate-shell-completion")
}

// commands are pakyas's top-level commands, in the order help lists them.
type command struct {
	name  string
	build func(*env) *cli.Command
}

var commands = []command{
	{"login", loginCommand},
	{"logout", logoutCommand},
	{"whoami", whoamiCommand},
	{"org", orgCommand},
	{"project", projectCommand},
	{"check", checkCommand},
	{"import", importCommand},
	{"discover", discoverCommand},
	{"ping", pingCommand},
	{"monitor", monitorCommand},
	{"spool", spoolCommand},
	{"channel", channelCommand},
	{"key", keyCommand},
	{"server", serverCommand},
	{"dashboard", dashboardCommand},
	{"plugin", pluginCommand},
	{"version", versionCommand},
}

// commandsFor returns the top-level commands to build for a command line
// that names command name (commandName): only that one, when it is one of
// ours, else all of them.
// urfave/cli sets up every command of the tree on each run (help
// commands, flag categories), which is most of its cost; a cron job's
// `pakyas monitor` need not pay it for the other hundred.
func commandsFor(e *env, name string) []*cli.Command {
	if c, ok := commandNamed(name); ok {
		return []*cli.Command{c.build(e)}
	}
	all := make([]*cli.Command, len(commands))
	for i, c := range commands {
		all[i] = c.build(e)
	}
	return all
}

// commandNamed returns the top-level command called name.
func commandNamed(name string) (command, bool) {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		return command{}, false
	}
	return commands[i], true
}

// commandName returns the command args name: the first argument that is
// neither a global flag nor a global flag's value, and its index in args.
// The index is -1 when there is none or it cannot tell (a flag that is not
// global, "--").
func commandName(args []string) (name string, at int) {
	flags := globalFlags()
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return a, i
		}
		flag, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if flag == "" {
			return "", -1 // "-" or "--"
		}
		if !strings.HasPrefix(a, "--") && strings.Trim(flag, "v") == "" {
			continue // -v, -vv
		}
		var f cli.Flag
		for _, g := range flags {
			if slices.Contains(g.Names(), flag) {
				f = g
			}
		}
		if f == nil {
			return "", -1
		}
		if _, isBool := f.(*cli.BoolFlag); !isBool && !inline {
			i++ // its value
		}
	}
	return "", -1
}

func onUsageError(_ context.Context, cmd *cli.Command, err error, _ bool) error {
	return &usageError{msg: flagNames(err.Error()), hint: fmt.Sprintf("see '%s --help'", cmd.FullName())}
}

// flagNames spells long flags in an error as pakyas's help does: --timeout,
// not -timeout as Go's flag package does. (Compiled here, on the error
// path, not at init, which every run would pay.)
func flagNames(msg string) string {
	return regexp.MustCompile(`(flag(?: provided but not defined:)? )-([a-z][a-z0-9-]+)\b`).ReplaceAllString(msg, "$1--$2")
}

// groupAction is the action of a command that only holds subcommands: it
// shows the help, or says the subcommand is unknown.
func groupAction(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Present() {
		name := strings.TrimPrefix(cmd.FullName()+" ", "pakyas ")
		return usagef("unknown command '%s%s'; see 'pakyas %s--help'", name, cmd.Args().First(), name)
	}
	if cmd.Root() == cmd {
		return cli.ShowRootCommandHelp(cmd)
	}
	return cli.ShowSubcommandHelp(cmd)
}

// leaf is a command without subcommands: its names ("list" or, with an
// alias, "list,ls"), its one-line usage, its help (how to call it, a
// blank line, examples), its action and its flags.
func leaf(names, usage, help string, action cli.ActionFunc, flags ...cli.Flag) *cli.Command {
	name, alias, _ := strings.Cut(names, ",")
	c := &cli.Command{Name: name, Usage: usage, UsageText: help, Action: action, Flags: flags}
	if alias != "" {
		c.Aliases = []string{alias}
	}
	return c
}
