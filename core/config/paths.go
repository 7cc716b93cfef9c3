package config

import (
	"errors"
	"os"
	"path/filepath"
)

// AppName is the directory Pakyas uses under each XDG base directory.
const AppName = "pakyas"

// ConfigDir returns $XDG_CONFIG_HOME/pakyas, or ~/.config/pakyas when
// XDG_CONFIG_HOME is unset or empty.
func ConfigDir() (string, error) { return ConfigDirFrom(os.Getenv) }

// StateDir returns $XDG_STATE_HOME/pakyas, or ~/.local/state/pakyas when
// XDG_STATE_HOME is unset or empty. The monitor's spool lives here.
func StateDir() (string, error) { return StateDirFrom(os.Getenv) }

// ConfigDirFrom is ConfigDir reading the environment through getenv.
func ConfigDirFrom(getenv func(string) string) (string, error) {
	return xdgDir(getenv, "XDG_CONFIG_HOME", ".config")
}

// StateDirFrom is StateDir reading the environment through getenv.
func StateDirFrom(getenv func(string) string) (string, error) {
	return xdgDir(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"))
}

// DefaultPath returns the path of config.toml inside ConfigDirFrom(getenv).
func DefaultPath(getenv func(string) string) (string, error) {
	dir, err := ConfigDirFrom(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, FileName), nil
}

// xdgDir follows the XDG base directory spec: a relative value of the
// variable is invalid and ignored.
func xdgDir(getenv func(string) string, env, homeRel string) (string, error) {
	if d := getenv(env); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, AppName), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil || home == "" {
			return "", errors.New("cannot find the home directory: set HOME or " + env)
		}
	}
	return filepath.Join(home, homeRel, AppName), nil
}
