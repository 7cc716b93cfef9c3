package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/server"
	"github.com/urfave/cli/v3"
)

// defaultAPIURL is where `pakyas server` listens by default.
const defaultAPIURL = "http://" + server.DefaultListen

// Hints for the guide's troubleshooting cases.
const (
	loginHint = "pakyas login --api-key pk_live_your_key\n" +
		"or: export PAKYAS_API_KEY=pk_live_your_key"
	projectHint = "pakyas project list\n" +
		"pakyas project switch \"My Project\"\n" +
		"or: export PAKYAS_PROJECT=my-project"
	orgHint = "pakyas org list\n" +
		"pakyas org switch \"My Company\"\n" +
		"or: export PAKYAS_ORG=\"My Company\""
	checkHint = "pakyas check list    # see all checks\n" +
		"pakyas check sync    # refresh the cache"
)

// envSource is a flag value source reading an environment variable
// through env.getenv (so tests need not touch the process environment).
// An empty variable counts as unset.
//
// A typed flag's source has parse: a value it cannot parse counts as unset
// too, with a warning once that says how to write it. Failing the command
// instead would keep `pakyas monitor` from running the job because of a
// variable exported for every job.
type envSource struct {
	key    string
	getenv func(string) string

	parse   func(string) error
	example string // a valid setting, for the warning
	warn    io.Writer
	warned  sync.Once
}

func (s *envSource) Lookup() (string, bool) {
	v := s.getenv(s.key)
	if v != "" && s.parse != nil {
		if err := s.parse(v); err != nil {
			s.warned.Do(func() {
				fmt.Fprintf(s.warn, "pakyas: warning: ignoring %s=%q (%v); write it like %s\n", s.key, v, err, s.example)
			})
			return "", false
		}
	}
	return v, v != ""
}
func (s *envSource) String() string   { return "environment variable " + s.key }
func (s *envSource) GoString() string { return fmt.Sprintf("&envSource{key:%q}", s.key) }
func (s *envSource) IsFromEnv() bool  { return true }
func (s *envSource) Key() string      { return s.key }

func (e *env) envVars(key string) cli.ValueSourceChain {
	return cli.NewValueSourceChain(&envSource{key: key, getenv: e.getenv})
}

// envBool, envInt and envDuration are envVars for typed flags: a value
// that does not parse is ignored with a warning (see envSource).
func (e *env) envBool(key string) cli.ValueSourceChain {
	return e.envTyped(key, key+"=true", func(v string) error { _, err := strconv.ParseBool(v); return err })
}

// envInt and envDuration also ignore a value outside [lo, hi]: the flag's
// own check would fail the command.
func (e *env) envInt(key, example string, lo, hi int64) cli.ValueSourceChain {
	return e.envTyped(key, example, func(v string) error {
		n, err := strconv.ParseInt(v, 0, 64)
		if err == nil && (n < lo || n > hi) {
			err = fmt.Errorf("not between %d and %d", lo, hi)
		}
		return err
	})
}

func (e *env) envDuration(key, example string, lo time.Duration) cli.ValueSourceChain {
	return e.envTyped(key, example, func(v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && d < lo {
			err = fmt.Errorf("less than %s", lo)
		}
		return err
	})
}

func (e *env) envTyped(key, example string, parse func(string) error) cli.ValueSourceChain {
	return cli.NewValueSourceChain(&envSource{key: key, getenv: e.getenv, parse: parse, example: example, warn: e.stderr})
}

// globalFlags are accepted by every command, before or after its
// arguments (urfave/cli v3 persistent flags).
func globalFlags(e *env) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "api-url", Value: defaultAPIURL, Usage: "base URL of the Pakyas server, without /api/v1 (config: api_url)", Sources: e.envVars("PAKYAS_API_URL")},
		&cli.StringFlag{Name: "api-key", Usage: "API key, pk_live_... (config: api_key, saved by 'pakyas login')", Sources: e.envVars("PAKYAS_API_KEY")},
		&cli.StringFlag{Name: "org", Usage: "organization name or ID (config: org, saved by 'pakyas org switch')", Sources: e.envVars("PAKYAS_ORG")},
		&cli.StringFlag{Name: "project", Usage: "project name (any case) or ID (config: project, saved by 'pakyas project switch')", Sources: e.envVars("PAKYAS_PROJECT")},
		&cli.StringFlag{Name: "format", Value: "table", Usage: "output: table or json (config: format)", Sources: e.envVars("PAKYAS_FORMAT")},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print each request to the server on stderr"},
		&cli.StringFlag{Name: "config", Usage: "config file (default: $XDG_CONFIG_HOME/pakyas/config.toml or ~/.config/pakyas/config.toml)", Sources: e.envVars("PAKYAS_CONFIG")},
		&cli.BoolFlag{Name: "version", Usage: "print the version", Local: true},
	}
}

// settings are the resolved global settings of one command: flag, then
// environment, then config file, then default.
type settings struct {
	apiURL, apiKey, org, project, format string
	// fromArgs says org and project came from a flag or the environment,
	// not config.toml: for one command they beat the saved selection.
	orgFromArgs, projectFromArgs bool
	verbose                      bool
	configPath                   string
	file                         *config.Config // what config.toml holds
	// noConfig says why there is no config file at all (no home
	// directory): flags and environment still work, saving fails.
	noConfig error
}

// pick returns the flag's value if set by flag or environment, else the
// config file's, else the flag's default. Empty counts as unset, also on
// the command line (--org "" falls back to PAKYAS_ORG, then the file).
func (e *env) pick(cmd *cli.Command, flag, envKey, file string) string {
	if v := cmd.String(flag); cmd.IsSet(flag) && v != "" {
		return v
	}
	if v := e.getenv(envKey); v != "" {
		return v
	}
	if file != "" {
		return file
	}
	for _, f := range cmd.Root().Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == flag {
			return sf.Value
		}
	}
	return ""
}

func (e *env) settings(cmd *cli.Command) (*settings, error) {
	return e.loadSettings(cmd, false)
}

// loadSettings is settings; with lenient, a config.toml that cannot be read
// is skipped with a warning when the API URL comes from --api-url or
// PAKYAS_API_URL, so `pakyas monitor` still reports the job (CI sets the
// environment and needs no file).
func (e *env) loadSettings(cmd *cli.Command, lenient bool) (*settings, error) {
	s := &settings{verbose: cmd.Bool("verbose"), configPath: cmd.String("config")}
	file := &config.Config{}
	if s.configPath == "" {
		p, err := config.DefaultPath(e.getenv)
		if err != nil {
			// No home directory (a bare systemd unit, a minimal
			// container): there is no config file, and --public-id with
			// flags or environment needs none.
			s.configPath, s.noConfig = "$XDG_CONFIG_HOME/pakyas/config.toml", err
		} else {
			s.configPath = p
		}
	}
	var err error
	if s.noConfig == nil {
		file, err = config.Load(s.configPath)
	}
	if err != nil && lenient && (cmd.IsSet("api-url") || e.getenv("PAKYAS_API_URL") != "") {
		fmt.Fprintf(e.stderr, "pakyas: warning: %v\nhint: ignoring %s for this run; fix that line\n", err, s.configPath)
		file, err = &config.Config{}, nil
	}
	if err != nil {
		return nil, &codeError{code: exitError, err: &core.Error{Code: core.EINVALID, Message: err.Error(),
			Hint: "fix that line; config.toml knows api_url, api_key, org, project and format"}}
	}
	s.file = file
	s.apiURL = e.pick(cmd, "api-url", "PAKYAS_API_URL", file.APIURL)
	s.apiKey = strings.TrimSpace(e.pick(cmd, "api-key", "PAKYAS_API_KEY", file.APIKey))
	s.org = e.pick(cmd, "org", "PAKYAS_ORG", file.Org)
	s.project = e.pick(cmd, "project", "PAKYAS_PROJECT", file.Project)
	s.orgFromArgs = s.org != "" && s.org != file.Org
	s.projectFromArgs = s.project != "" && s.project != file.Project
	s.format = strings.ToLower(e.pick(cmd, "format", "PAKYAS_FORMAT", file.Format))
	if s.format != "table" && s.format != "json" {
		return nil, usagef("unknown output format %q: use --format table or --format json (or PAKYAS_FORMAT, or format in %s)", s.format, s.configPath)
	}
	u, err := normalizeAPIURL(s.apiURL)
	if err != nil {
		return nil, usagef("%v: set the server's base URL with --api-url, PAKYAS_API_URL or api_url in %s, e.g. %s", err, s.configPath, defaultAPIURL)
	}
	s.apiURL = u
	return s, nil
}

// normalizeAPIURL checks u is an http(s) URL and drops a trailing slash
// or /api/v1, which people copy from the API docs.
func normalizeAPIURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("invalid server URL %q", raw)
	}
	s := strings.TrimRight(u.String(), "/")
	s = strings.TrimSuffix(s, api.APIPrefix)
	return strings.TrimRight(s, "/"), nil
}

// save changes the config file with fn and writes it (mode 0600).
func (s *settings) save(fn func(c *config.Config)) error {
	if s.noConfig != nil {
		return fmt.Errorf("save settings: %w", s.noConfig)
	}
	c := *s.file
	fn(&c)
	if err := c.Save(s.configPath); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	*s.file = c
	return nil
}

func userAgent() string { return "pakyas-cli/" + version }

// httpClient returns an HTTP client with timeout that, with --verbose,
// logs each request (never its headers: they hold the API key).
func (e *env) httpClient(s *settings, timeout time.Duration) *http.Client {
	var tr http.RoundTripper = http.DefaultTransport
	if s.verbose {
		tr = &verboseTransport{next: tr, e: e}
	}
	return &http.Client{Timeout: timeout, Transport: tr}
}

type verboseTransport struct {
	next http.RoundTripper
	e    *env
}

func (t *verboseTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	d := time.Since(start).Round(time.Millisecond)
	if err != nil {
		fmt.Fprintf(t.e.stderr, "pakyas: %s %s: %v (%s)\n", r.Method, r.URL.Redacted(), err, d)
		return nil, err
	}
	fmt.Fprintf(t.e.stderr, "pakyas: %s %s: %s (%s)\n", r.Method, r.URL.Redacted(), resp.Status, d)
	return resp, nil
}

// client returns an API client for the settings; it may have no key.
func (e *env) client(s *settings) *api.Client {
	return &api.Client{BaseURL: s.apiURL, APIKey: s.apiKey, UserAgent: userAgent(), HTTP: e.httpClient(s, api.DefaultTimeout)}
}

// authClient is client for commands that need an API key.
func (e *env) authClient(s *settings) (*api.Client, error) {
	if s.apiKey == "" {
		return nil, notLoggedIn("no API key in --api-key, PAKYAS_API_KEY or " + s.configPath)
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

func notLoggedIn(detail string) error {
	return withCode(exitAuth, "Not logged in: "+detail, loginHint)
}

// apiErr turns an error of the API client into a message for people and
// an exit code.
func (s *settings) apiErr(err error) error {
	if err == nil {
		return nil
	}
	var he *api.HTTPError
	if errors.As(err, &he) {
		msg := he.Message
		if msg == "" {
			msg = http.StatusText(he.StatusCode)
		}
		switch {
		case he.StatusCode == http.StatusUnauthorized:
			return notLoggedIn(fmt.Sprintf("the server at %s refused the API key: %s", s.apiURL, msg))
		case he.StatusCode == http.StatusForbidden:
			return withCode(exitAuth, "permission denied: "+msg, he.Hint)
		case he.StatusCode == http.StatusNotFound:
			return withCode(exitNotFound, msg, he.Hint)
		case he.Temporary():
			return withCode(exitMonitoring, fmt.Sprintf("the Pakyas server at %s answered %d: %s", s.apiURL, he.StatusCode, msg),
				"try again later; 'pakyas --verbose ...' shows each request")
		}
		return withCode(exitError, msg, he.Hint)
	}
	if errors.Is(err, context.Canceled) {
		return &codeError{code: exitError, err: errors.New("interrupted")}
	}
	if api.Retryable(err) {
		return s.unreachable(err)
	}
	return err
}

// unreachable says the server could not be reached, naming its URL and
// how to point pakyas elsewhere.
func (s *settings) unreachable(err error) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	return withCode(exitMonitoring, fmt.Sprintf("cannot reach the Pakyas server at %s: %v", s.apiURL, cause),
		"is 'pakyas server' running there? Point pakyas at your server with --api-url URL\n"+
			"or: export PAKYAS_API_URL=URL ('pakyas login --api-url URL --api-key KEY' saves it)")
}

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

func matchName(sel, id, name string) bool {
	return sel == id || strings.EqualFold(strings.TrimSpace(sel), name)
}

// findOrg returns the organization sel names (ID or name, any case).
func findOrg(m *api.Me, sel string) (*api.Org, error) {
	for i := range m.Orgs {
		if matchName(sel, m.Orgs[i].ID, m.Orgs[i].Name) {
			return &m.Orgs[i], nil
		}
	}
	return nil, withCode(exitNotFound, fmt.Sprintf("Organization %q not found", sel), orgHint)
}

// resolveOrg returns the selected organization: --org, PAKYAS_ORG or
// config, else the only one the key sees.
func (s *settings) resolveOrg(m *api.Me) (*api.Org, error) {
	if s.org != "" {
		return findOrg(m, s.org)
	}
	if len(m.Orgs) == 1 {
		return &m.Orgs[0], nil
	}
	if len(m.Orgs) == 0 {
		return nil, withCode(exitNotFound, "you belong to no organization", `pakyas org create "My Company"`)
	}
	return nil, withCode(exitNoProject, "No organization selected: your key sees "+orgNames(m.Orgs), orgHint)
}

func orgNames(orgs []api.Org) string {
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = fmt.Sprintf("%q", o.Name)
	}
	return strings.Join(names, ", ")
}

// resolveProject returns the selected project and its organization:
// --project, PAKYAS_PROJECT or config (a name in any case, or an ID),
// within the selected organization if there is one; with none selected, the
// only project the key sees.
//
// A selection given for one command beats the saved one: with --org (or
// PAKYAS_ORG) naming another organization, a saved project that is not in
// it is ignored; with --project (or PAKYAS_PROJECT) naming a project that
// is not in the saved organization, every organization is searched.
func (s *settings) resolveProject(m *api.Me) (*api.Org, *api.Project, error) {
	orgs := m.Orgs
	if s.org != "" {
		o, err := findOrg(m, s.org)
		if err != nil {
			return nil, nil, err
		}
		orgs = []api.Org{*o}
	}
	sel := s.project
	hits := projectsNamed(orgs, sel)
	if len(hits) == 0 && sel != "" && s.org != "" && s.projectFromArgs && !s.orgFromArgs {
		orgs = m.Orgs
		hits = projectsNamed(orgs, sel)
	}
	if len(hits) == 0 && sel != "" && s.orgFromArgs && !s.projectFromArgs {
		sel = ""
		hits = projectsNamed(orgs, sel)
	}
	switch {
	case len(hits) == 1:
		return hits[0].org, hits[0].project, nil
	case sel == "":
		return nil, nil, withCode(exitNoProject, "No project selected", projectHint)
	case len(hits) == 0:
		where := ""
		if len(orgs) == 1 {
			where = fmt.Sprintf(" in organization %q", orgs[0].Name)
		}
		return nil, nil, withCode(exitNotFound, fmt.Sprintf("Project %q not found%s", sel, where), projectHint)
	}
	names := make([]string, len(hits))
	for i, h := range hits {
		names[i] = fmt.Sprintf("%q", h.org.Name)
	}
	return nil, nil, withCode(exitNoProject,
		fmt.Sprintf("No project selected: %q is a project in several organizations (%s)", sel, strings.Join(names, ", ")),
		"pick the organization: pakyas org switch NAME, --org NAME or PAKYAS_ORG")
}

type orgProject struct {
	org     *api.Org
	project *api.Project
}

// projectsNamed returns the projects of orgs that sel names (every one
// when sel is empty).
func projectsNamed(orgs []api.Org, sel string) []orgProject {
	var hits []orgProject
	for i := range orgs {
		for j := range orgs[i].Projects {
			p := &orgs[i].Projects[j]
			if sel == "" || matchName(sel, p.ID, p.Name) {
				hits = append(hits, orgProject{&orgs[i], p})
			}
		}
	}
	return hits
}
