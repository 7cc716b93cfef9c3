package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestEnvVar(t *testing.T) {
	env := map[string]string{"B": "yes", "I": "7", "D": "10", "OK": "2s", "E": ""}
	getenv := func(k string) string { return env[k] }
	var warn strings.Builder
	for _, tt := range []struct {
		v    *EnvVar
		want string
		ok   bool
	}{
		{BoolVar("B", getenv, &warn), "", false},
		{IntVar("I", "I=3", 0, 5, getenv, &warn), "", false},
		{DurationVar("D", "D=10s", time.Millisecond, getenv, &warn), "", false},
		{DurationVar("OK", "OK=10s", time.Millisecond, getenv, &warn), "2s", true},
		{BoolVar("E", getenv, &warn), "", false},
		{&EnvVar{Name: "I", Getenv: getenv}, "7", true},
	} {
		v, ok := tt.v.Lookup()
		assert.Equal(t, tt.want, v, tt.v.Name)
		assert.Equal(t, tt.ok, ok, tt.v.Name)
		tt.v.Lookup() // warned once
	}
	assert.Equal(t, `pakyas: warning: ignoring B="yes" (strconv.ParseBool: parsing "yes": invalid syntax)
hint: write it like B=true
pakyas: warning: ignoring I="7" (not between 0 and 5)
hint: write it like I=3
pakyas: warning: ignoring D="10" (time: missing unit in duration "10")
hint: write it like D=10s
`, warn.String())
}
