// Package config reads and writes the CLI's config.toml and knows where
// Pakyas keeps its files (XDG base directories).
//
// Settings come from three places, the first that has a value wins: a
// command-line flag, an environment variable (an empty one counts as
// unset), then config.toml. The flags and environment variables are read
// by cmd/pakyas; this package owns the file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/pakyas/pakyas/internal/atomicfile"
)

// FileName is the name of the CLI's config file inside ConfigDir.
const FileName = "config.toml"

// Config is the content of config.toml. Every field is optional.
type Config struct {
	APIURL  string `toml:"api_url,omitempty"` // the server's base URL, without /api/v1
	APIKey  string `toml:"api_key,omitempty"` // pk_live_...
	Org     string `toml:"org,omitempty"`     // organization name or ID
	Project string `toml:"project,omitempty"` // project name (case-insensitive) or ID
	Format  string `toml:"format,omitempty"`  // table or json
}

// Load reads the config file at path. A missing file is an empty Config
// and no error; an unknown key or a malformed file is an error naming
// path:line.
func Load(path string) (*Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, b)
}

// Parse reads the config document b, read from path (named in errors).
func Parse(path string, b []byte) (*Config, error) {
	var c Config
	if err := DecodeStrict(path, b, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Save writes c to path atomically with mode 0600 (it may hold an API
// key), creating the directory with mode 0700 if needed.
func (c *Config) Save(path string) error {
	b, err := c.Encode()
	if err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o600)
}

// Encode returns c as the TOML document Save writes.
func (c *Config) Encode() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Pakyas CLI settings. Flags and PAKYAS_* environment variables override them.\n")
	enc := toml.NewEncoder(&buf)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return buf.Bytes(), nil
}

// Error is a problem in a config file at a known place.
type Error struct {
	Path   string
	Line   int // 1-based; 0 when unknown
	Column int
	Msg    string
}

// Error implements error as "path:line:column: message".
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Msg)
}

// DecodeStrict decodes the TOML document b (read from path) into v. Keys
// v has no field for are errors, as are type mismatches and syntax
// errors; each error is an *Error with the file and line to fix.
func DecodeStrict(path string, b []byte, v any) error {
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var sme *toml.StrictMissingError
	if errors.As(err, &sme) && len(sme.Errors) > 0 {
		de := &sme.Errors[0]
		line, col := de.Position()
		msg := fmt.Sprintf("unknown key %q", strings.Join(de.Key(), "."))
		if n := len(sme.Errors) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more)", n)
		}
		return &Error{Path: path, Line: line, Column: col, Msg: msg}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if k := de.Key(); len(k) > 0 {
			msg = fmt.Sprintf("%s: %s", strings.Join(k, "."), msg)
		}
		return &Error{Path: path, Line: line, Column: col, Msg: msg}
	}
	return &Error{Path: path, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}
