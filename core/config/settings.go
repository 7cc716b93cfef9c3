package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
)

// Source says where a setting's value came from.
type Source int

// Sources, weakest first.
const (
	FromDefault Source = iota // nowhere: the built-in default (or empty)
	FromFile                  // config.toml
	FromEnv                   // a PAKYAS_* environment variable
	FromFlag                  // a command-line flag
)

func (s Source) String() string {
	switch s {
	case FromFile:
		return "config file"
	case FromEnv:
		return "environment"
	case FromFlag:
		return "flag"
	}
	return "default"
}

// Setting is one resolved setting: its value and where it came from.
type Setting struct {
	Value  string
	Source Source
	// Where names the flag, environment variable or file:key the value
	// came from ("--project", "PAKYAS_PROJECT", "/home/u/.config/pakyas/config.toml: project"),
	// or every place it could be set when it is not set.
	Where string
}

// ForCommand reports whether the value was given for this command (by a
// flag or the environment) rather than saved in config.toml: for one
// command it beats the saved selection.
func (s Setting) ForCommand() bool { return s.Source == FromFlag || s.Source == FromEnv }

// Set reports whether the setting has a value other than its default.
func (s Setting) Set() bool { return s.Source != FromDefault }

// Settings are the resolved global settings of one command: each from a
// flag, else its environment variable (empty counts as unset), else
// config.toml, else the default.
type Settings struct {
	APIURL, APIKey, Org, Project, Format Setting

	// Path is the config file: --config, PAKYAS_CONFIG or the default
	// place ($XDG_CONFIG_HOME/pakyas/config.toml).
	Path string
	// File is what config.toml holds; empty when it could not be read.
	File Config
	// FileErr says why config.toml could not be read (an *Error naming
	// its line): its values are ignored, flags and environment still
	// work, and saving settings is refused so the file is not lost.
	FileErr error
	// NoHome says why there is no config file at all (no home
	// directory); saving settings is refused.
	NoHome error
}

// Inputs are where Resolve reads settings from.
type Inputs struct {
	// Flag returns the value of a global flag ("api-url", "api-key",
	// "org", "project", "format", "config") and whether it was given on
	// the command line. An empty value counts as not given.
	Flag func(name string) (string, bool)
	// Getenv reads the environment.
	Getenv func(string) string
	// DefaultAPIURL is the server used when nothing else says.
	DefaultAPIURL string
}

// Resolve reads the settings of one command. It reads config.toml once. A
// file that cannot be read is an error unless the server's URL is given
// by flag or environment: then it is recorded in FileErr and its values
// ignored, so that a command whose settings come from flags and the
// environment (CI, containers) still works. Its other errors are invalid
// values (a URL that is not http(s), an unknown format). Errors are
// *core.Error naming where the value came from.
func Resolve(in Inputs) (*Settings, error) {
	s := &Settings{}
	flag := func(name string) (string, bool) {
		if in.Flag == nil {
			return "", false
		}
		v, ok := in.Flag(name)
		return v, ok && strings.TrimSpace(v) != ""
	}
	if p, ok := flag("config"); ok {
		s.Path = p
	} else if p := in.Getenv("PAKYAS_CONFIG"); p != "" {
		s.Path = p
	} else if p, err := DefaultPath(in.Getenv); err != nil {
		// No home directory (a bare systemd unit, a minimal container):
		// there is no config file; flags and environment still work.
		s.Path, s.NoHome = "$XDG_CONFIG_HOME/pakyas/config.toml", err
	} else {
		s.Path = p
	}
	if s.NoHome == nil {
		if c, err := Load(s.Path); err != nil {
			s.FileErr = err
		} else {
			s.File = *c
		}
	}
	pick := func(flagName, env, key, file, def string) Setting {
		if v, ok := flag(flagName); ok {
			return Setting{Value: v, Source: FromFlag, Where: "--" + flagName}
		}
		if v := in.Getenv(env); v != "" {
			return Setting{Value: v, Source: FromEnv, Where: env}
		}
		if file != "" {
			return Setting{Value: file, Source: FromFile, Where: s.Path + ": " + key}
		}
		return Setting{Value: def, Where: fmt.Sprintf("--%s, %s or %s in %s", flagName, env, key, s.Path)}
	}
	f := s.File
	s.APIURL = pick("api-url", "PAKYAS_API_URL", "api_url", f.APIURL, in.DefaultAPIURL)
	s.APIKey = pick("api-key", "PAKYAS_API_KEY", "api_key", f.APIKey, "")
	s.APIKey.Value = strings.TrimSpace(s.APIKey.Value)
	s.Org = pick("org", "PAKYAS_ORG", "org", f.Org, "")
	s.Project = pick("project", "PAKYAS_PROJECT", "project", f.Project, "")
	s.Format = pick("format", "PAKYAS_FORMAT", "format", f.Format, "table")
	s.Format.Value = strings.ToLower(strings.TrimSpace(s.Format.Value))

	if s.FileErr != nil && !s.APIURL.ForCommand() {
		// The file probably names the server: without it, pakyas cannot
		// tell where to go.
		return s, &core.Error{Code: core.EINVALID, Message: s.FileErr.Error(), Err: s.FileErr,
			Hint: "fix that line; config.toml knows api_url, api_key, org, project and format\n" +
				"(with --api-url or PAKYAS_API_URL set, pakyas runs without the file)"}
	}

	if s.Format.Value != "table" && s.Format.Value != "json" {
		return s, &core.Error{Code: core.EINVALID,
			Message: fmt.Sprintf("unknown output format %q (from %s)", s.Format.Value, s.Format.Where),
			Hint:    "use --format table or --format json (or PAKYAS_FORMAT, or format in " + s.Path + ")"}
	}
	u, err := NormalizeAPIURL(s.APIURL.Value)
	if err != nil {
		return s, &core.Error{Code: core.EINVALID,
			Message: fmt.Sprintf("%v (from %s)", err, s.APIURL.Where),
			Hint:    fmt.Sprintf("set the server's base URL with --api-url, PAKYAS_API_URL or api_url in %s, e.g. %s", s.Path, in.DefaultAPIURL)}
	}
	s.APIURL.Value = u
	return s, nil
}

// NormalizeAPIURL checks that raw is an http(s) URL and drops a trailing
// slash or /api/v1, which people copy from the API docs.
func NormalizeAPIURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("invalid server URL %q: it is http:// or https:// and a host", raw)
	}
	s := strings.TrimRight(u.String(), "/")
	s = strings.TrimSuffix(s, api.APIPrefix)
	return strings.TrimRight(s, "/"), nil
}

// KeyID returns the fingerprint of the API key in use (empty without
// one): the first 16 hex digits of its SHA-256. It tells keys apart in
// the slug cache and the spool without storing the key itself.
func (s *Settings) KeyID() string { return KeyID(s.APIKey.Value) }

// KeyID returns the fingerprint of key; empty for an empty key.
func KeyID(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// Save changes config.toml with fn and writes it (mode 0600). It refuses
// when the file could not be read (writing would lose what it holds) or
// there is no home directory.
func (s *Settings) Save(fn func(c *Config)) error {
	switch {
	case s.NoHome != nil:
		return fmt.Errorf("save settings: %w", s.NoHome)
	case s.FileErr != nil:
		return &core.Error{Code: core.EINVALID, Message: fmt.Sprintf("cannot save settings: %v", s.FileErr),
			Hint: "fix that line of " + s.Path + " first (or remove the file)"}
	}
	c := s.File
	fn(&c)
	if err := c.Save(s.Path); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	s.File = c
	return nil
}
