package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/resolve"
)

// defaultAPIURL is where `pakyas server` listens by default.
const defaultAPIURL = "http://" + api.DefaultListen

// envBool, envInt and envDuration are flag sources for typed flags: a
// value that does not parse is ignored with a warning (config.EnvVar).
func (e *env) envBool(key string) cli.ValueSourceChain {
	return e.envSource(config.BoolVar(key, e.getenv, e.stderr))
}

func (e *env) envInt(key, example string, lo, hi int64) cli.ValueSourceChain {
	return e.envSource(config.IntVar(key, example, lo, hi, e.getenv, e.stderr))
}

func (e *env) envDuration(key, example string, lo time.Duration) cli.ValueSourceChain {
	return e.envSource(config.DurationVar(key, example, lo, e.getenv, e.stderr))
}

func (e *env) envSource(v *config.EnvVar) cli.ValueSourceChain {
	v.Warned = e.warnedEnv
	return cli.NewValueSourceChain(v)
}

// warnedEnv reports whether the warning about environment variable name
// was given, by this process or by the lean pakyas that handed its
// command here, and records that it now is.
func (e *env) warnedEnv(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.warned[name] {
		return true
	}
	if e.warned == nil {
		e.warned = map[string]bool{}
	}
	e.warned[name] = true
	return false
}

// globalFlags are accepted by every command, before or after its
// arguments (urfave/cli v3 persistent flags). Their environment variables
// and config.toml keys are read by config.Resolve, which records where
// each value came from.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "api-url", Usage: "base URL of the Pakyas server, without /api/v1 (env: PAKYAS_API_URL; config: api_url; default: " + defaultAPIURL + ")"},
		&cli.StringFlag{Name: "api-key", Usage: "API key, pk_live_... (env: PAKYAS_API_KEY; config: api_key, saved by 'pakyas login')"},
		&cli.StringFlag{Name: "org", Usage: "organization name (any case), slug or ID (env: PAKYAS_ORG; config: org, saved by 'pakyas org switch')"},
		&cli.StringFlag{Name: "project", Usage: "project name (any case), slug or ID (env: PAKYAS_PROJECT; config: project, saved by 'pakyas project switch')"},
		&cli.StringFlag{Name: "format", Usage: "output: table or json (env: PAKYAS_FORMAT; config: format)"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print each request to the server, and what external targets do, on stderr; -vv adds the plugin host's debug log", Config: cli.BoolConfig{Count: new(int)}},
		&cli.StringFlag{Name: "config", Usage: "config file (env: PAKYAS_CONFIG; default: $XDG_CONFIG_HOME/pakyas/config.toml or ~/.config/pakyas/config.toml)"},
		&cli.BoolFlag{Name: "version", Usage: "print the version", Local: true},
	}
}

// settings are the resolved global settings of one command.
type settings struct {
	*config.Settings
	verbose bool
	debug   bool // -vv
}

// globalFlagsOf returns the global flags by name: the root command's own
// flag objects, which urfave/cli shares with every subcommand that accepts
// them, so they hold a value given before or after the subcommand. A
// subcommand's flag of the same name (`pakyas import healthchecks
// --api-key` is the other service's key, not Pakyas's) is another object
// and leaves them alone. One pass over the root's few flags, not a lookup
// through the command's lineage per name (urfave/cli lists every flag's
// names for each lookup).
func globalFlagsOf(cmd *cli.Command) map[string]cli.Flag {
	m := map[string]cli.Flag{}
	for _, f := range cmd.Root().Flags {
		for _, n := range f.Names() {
			m[n] = f
		}
	}
	return m
}

// settings resolves the command's settings once (config.Resolve). A
// config.toml that cannot be read is a warning: its values are ignored
// and everything given by flag or environment still works.
func (e *env) settings(cmd *cli.Command) (*settings, error) {
	e.waitSignals() // before the command sends or runs anything
	global := globalFlagsOf(cmd)
	cs, err := config.Resolve(config.Inputs{
		Flag: func(name string) (string, bool) {
			f := global[name]
			if f == nil {
				return "", false
			}
			v, _ := f.Get().(string)
			return v, f.IsSet()
		},
		Getenv:        e.getenv,
		DefaultAPIURL: defaultAPIURL,
	})
	var fe *config.Error
	switch {
	case errors.As(err, &fe):
		return nil, err // config.toml itself: exit 1
	case err != nil:
		return nil, &usageError{msg: core.ErrorText(err), hint: core.ErrorHint(err)}
	}
	if cs.FileErr != nil {
		console.Warn(e.stderr, fmt.Sprintf("ignoring %s for this run: %v", cs.Path, cs.FileErr),
			"fix that line; config.toml knows api_url, api_key, org, project and format")
	}
	// --verbose=false is off, whatever urfave/cli counted; -vv is debug.
	verbose, count := false, 0
	if f := global["verbose"]; f != nil {
		verbose, _ = f.Get().(bool)
		if c, ok := f.(cli.Countable); ok {
			count = c.Count()
		}
	}
	return &settings{Settings: cs, verbose: verbose, debug: verbose && count >= 2}, nil
}

func userAgent() string { return "pakyas-cli/" + version }

// httpClient returns an HTTP client with timeout that, with --verbose,
// logs each request (api.Trace).
func (e *env) httpClient(s *settings, timeout time.Duration) *http.Client {
	var tr http.RoundTripper = http.DefaultTransport
	if s.verbose {
		tr = api.Trace(tr, e.stderr)
	}
	return &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: api.CheckRedirect}
}

// client returns an API client for the settings; it may have no key.
func (e *env) client(s *settings) *api.Client {
	return &api.Client{BaseURL: s.APIURL.Value, APIKey: s.APIKey.Value, UserAgent: userAgent(), HTTP: e.httpClient(s, api.DefaultTimeout)}
}

// authClient is client for commands that need an API key.
func (e *env) authClient(s *settings) (*api.Client, error) {
	if s.APIKey.Value == "" {
		return nil, withCode(exitAuth, "Not logged in: no API key in "+s.APIKey.Where, api.LoginHint)
	}
	return e.client(s), nil
}

// loggedIn returns the settings and an authenticated client: the start of
// every command that needs only the API key.
func (e *env) loggedIn(cmd *cli.Command) (*settings, *api.Client, error) {
	s, err := e.settings(cmd)
	if err != nil {
		return nil, nil, err
	}
	c, err := e.authClient(s)
	if err != nil {
		return nil, nil, err
	}
	return s, c, nil
}

// apiErr explains an error of the API client (api.Explain).
func (s *settings) apiErr(err error) error { return api.Explain(s.APIURL.Value, err) }

// me returns an authenticated client and the caller with its
// organizations and projects.
func (e *env) me(ctx context.Context, s *settings) (*api.Client, *api.Me, error) {
	c, err := e.authClient(s)
	if err != nil {
		return nil, nil, err
	}
	m, err := c.Me(ctx)
	if err != nil {
		return nil, nil, s.apiErr(err)
	}
	return c, m, nil
}

// account returns the settings, an authenticated client, and the caller
// with its organizations and projects: the start of commands that work
// with them.
func (e *env) account(ctx context.Context, cmd *cli.Command) (*settings, *api.Client, *api.Me, error) {
	s, err := e.settings(cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	c, m, err := e.me(ctx, s)
	return s, c, m, err
}

// selectProject returns the project the settings select (resolve.Select).
func (s *settings) selectProject(m *api.Me) (*api.Org, *api.Project, error) {
	return resolve.Select(m, s.Org, s.Project)
}

// selectOrg returns the organization the settings select.
func (s *settings) selectOrg(m *api.Me) (*api.Org, error) { return resolve.SelectOrg(m, s.Org) }
