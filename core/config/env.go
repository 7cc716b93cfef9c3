package config

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core/console"
)

// EnvVar is a typed setting read from one environment variable, for a
// command-line flag to fall back on (it is a urfave/cli value source). An
// empty variable counts as unset, and so does one that does not parse:
// that is warned about once, with a valid example. Failing the command
// instead would keep `pakyas monitor` from running the job because of a
// variable exported for every job.
type EnvVar struct {
	Name    string
	Getenv  func(string) string
	Parse   func(string) error // nil: any value
	Example string             // a valid setting, for the warning
	Warn    io.Writer
	// Warned, when set, reports whether the warning about the variable
	// named was given already and records that it now is, so that one
	// warning is given once however many EnvVars read the variable (or
	// processes: a lean pakyas hands its command to pakyas-host or
	// pakyas-full).
	Warned func(name string) bool
	warned sync.Once
}

// Lookup returns the variable's value and whether it is set and valid.
func (v *EnvVar) Lookup() (string, bool) {
	s := v.Getenv(v.Name)
	if s != "" && v.Parse != nil {
		if err := v.Parse(s); err != nil {
			v.warned.Do(func() {
				if v.Warned == nil || !v.Warned(v.Name) {
					console.Warn(v.Warn, fmt.Sprintf("ignoring %s=%q (%v)", v.Name, s, err), "write it like "+v.Example)
				}
			})
			return "", false
		}
	}
	return s, s != ""
}

func (v *EnvVar) String() string   { return "environment variable " + v.Name }
func (v *EnvVar) GoString() string { return fmt.Sprintf("&config.EnvVar{Name:%q}", v.Name) }

// BoolVar, IntVar and DurationVar are EnvVars of those types; the numbers
// must also lie in [lo, hi] (a flag's own check would fail the command).
func BoolVar(name string, getenv func(string) string, warn io.Writer) *EnvVar {
	return &EnvVar{Name: name, Getenv: getenv, Warn: warn, Example: name + "=true",
		Parse: func(s string) error { _, err := strconv.ParseBool(s); return err }}
}

// IntVar is an EnvVar of a whole number between lo and hi.
func IntVar(name, example string, lo, hi int64, getenv func(string) string, warn io.Writer) *EnvVar {
	return &EnvVar{Name: name, Getenv: getenv, Warn: warn, Example: example, Parse: func(s string) error {
		n, err := strconv.ParseInt(s, 0, 64)
		if err == nil && (n < lo || n > hi) {
			err = fmt.Errorf("not between %d and %d", lo, hi)
		}
		return err
	}}
}

// DurationVar is an EnvVar of a Go duration of at least lo.
func DurationVar(name, example string, lo time.Duration, getenv func(string) string, warn io.Writer) *EnvVar {
	return &EnvVar{Name: name, Getenv: getenv, Warn: warn, Example: example, Parse: func(s string) error {
		d, err := time.ParseDuration(s)
		if err == nil && d < lo {
			err = fmt.Errorf("less than %s", lo)
		}
		return err
	}}
}
