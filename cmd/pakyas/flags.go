package main

import (
	"time"

	"github.com/urfave/cli/v3"
)

// flagValues reads a command's flags by name, as cli.Command's getters do
// (the command's own flags, then those of the commands above it), from a
// map built once. urfave/cli's getters list the names of every flag on
// each call: a fifth of a monitored run's allocations went there.
type flagValues map[string]cli.Flag

// flagsOf returns cmd's flags by name.
func flagsOf(cmd *cli.Command) flagValues {
	fv := flagValues{}
	for _, c := range cmd.Lineage() {
		for _, f := range c.Flags {
			for _, n := range f.Names() {
				if _, ok := fv[n]; !ok {
					fv[n] = f
				}
			}
		}
	}
	return fv
}

func (fv flagValues) get(name string) any {
	if f := fv[name]; f != nil {
		return f.Get()
	}
	return nil
}

func (fv flagValues) Bool(name string) bool {
	v, _ := fv.get(name).(bool)
	return v
}

func (fv flagValues) String(name string) string {
	v, _ := fv.get(name).(string)
	return v
}

func (fv flagValues) Int(name string) int {
	v, _ := fv.get(name).(int)
	return v
}

func (fv flagValues) Duration(name string) time.Duration {
	v, _ := fv.get(name).(time.Duration)
	return v
}

// IsSet reports whether the flag was given, on the command line or by its
// environment variable.
func (fv flagValues) IsSet(name string) bool {
	f := fv[name]
	return f != nil && f.IsSet()
}
