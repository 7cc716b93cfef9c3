package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
)

// NewCheckInput builds a CheckInput from what a command line gives: each
// field by its flag's name (name, slug, period, grace, cron, tz,
// max-runtime), for the flags that were set (lookup's ok). Durations are
// whole seconds (3600), Go durations (1h, 5m) or days (1d). Its errors
// name the flag.
// MaxAlertAfter is the most failures in a row --alert-after may wait for.
const MaxAlertAfter = 100

func NewCheckInput(lookup func(flag string) (string, bool)) (CheckInput, error) {
	var in CheckInput
	str := func(flag string) *string {
		if v, ok := lookup(flag); ok {
			return &v
		}
		return nil
	}
	in.Name, in.Slug, in.Cron, in.TZ = str("name"), str("slug"), str("cron"), str("tz")
	for _, f := range []struct {
		flag string
		dst  **int64
	}{{"period", &in.Period}, {"grace", &in.Grace}, {"max-runtime", &in.MaxRuntime}} {
		v, ok := lookup(f.flag)
		if !ok {
			continue
		}
		d, err := core.ParseDuration(v, time.Second)
		if err != nil || d%time.Second != 0 {
			return in, fmt.Errorf("--%s %q: use whole seconds (3600) or a duration (1h, 5m, 1d)", f.flag, v)
		}
		n := int64(d / time.Second)
		*f.dst = &n
	}
	if v, ok := lookup("remind-every"); ok {
		d, err := core.ParseDuration(v, time.Second)
		if v == "off" {
			d, err = 0, nil
		}
		if err != nil || d < 0 || (d > 0 && d < time.Minute) {
			return in, fmt.Errorf("--remind-every %q: a duration of a minute or more (1h, 1d), or 0 (off)", v)
		}
		n := int64(d / time.Second)
		in.RemindEvery = &n
	}
	if v, ok := lookup("channels"); ok {
		var names []string
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return in, fmt.Errorf("--channels %q: channel names or IDs, comma-separated, or all, or none", v)
		}
		in.Channels = &names
	}
	if v, ok := lookup("depends-on"); ok {
		v = strings.TrimSpace(v)
		if v != "" && v != "none" {
			if err := core.SlugError(v); err != nil {
				return in, fmt.Errorf("--depends-on: %v (or none)", err)
			}
		} else {
			v = ""
		}
		in.DependsOn = &v
	}
	if v, ok := lookup("alert-after"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > MaxAlertAfter {
			return in, fmt.Errorf("--alert-after %q: a number of failures in a row, 1 to %d (1: at once)", v, MaxAlertAfter)
		}
		in.AlertAfter = &n
	}
	if in.Period != nil && in.Cron != nil {
		return in, fmt.Errorf("a check has either --period or --cron, not both")
	}
	return in, nil
}

// NewChannelInput returns an alert channel's input: the kind in lower
// case (the server checks it against its registry of kinds, core/alert,
// with the target); the name defaults to the kind.
func NewChannelInput(kind, target, name string) (ChannelInput, error) {
	in := ChannelInput{Kind: strings.ToLower(strings.TrimSpace(kind)), Target: target, Name: name}
	if in.Kind == "" {
		return in, fmt.Errorf("which kind of channel? pakyas channel kinds lists them")
	}
	if in.Name == "" {
		in.Name = in.Kind
	}
	return in, nil
}
