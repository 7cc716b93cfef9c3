package monitor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckArgs(t *testing.T) {
	const id = "550E8400-e29b-41d4-a716-446655440000"
	env := func(v string) func(string) string { return func(string) string { return v } }
	for _, tt := range []struct {
		slug, flag, env string
		wantSlug, want  string
		err             string
	}{
		{"backup", "", "", "backup", "", ""},
		{"", id, "", "", "550e8400-e29b-41d4-a716-446655440000", ""},
		{"", "", id, "", "550e8400-e29b-41d4-a716-446655440000", ""},
		{"backup", "", id, "backup", "", ""},
		{"backup", id, "", "", "", "not both"},
		{"", "nope", "", "", "", "invalid public ID"},
		{"", "", "", "", "", "which check?"},
		{"a/b", "", "", "", "", "invalid check slug"},
		{"Backup", "", "", "", "", "invalid check slug"},
	} {
		slug, pid, err := CheckArgs(tt.slug, tt.flag, env(tt.env))
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, "%+v", tt)
			continue
		}
		require.NoError(t, err, "%+v", tt)
		assert.Equal(t, tt.wantSlug, slug)
		assert.Equal(t, tt.want, pid)
	}
}

func TestKind(t *testing.T) {
	two, bad := int64(2), int64(256)
	for _, tt := range []struct {
		start, fail, log bool
		code             *int64
		want, err        string
	}{
		{want: ""}, {start: true, want: "start"}, {fail: true, want: "fail"}, {log: true, want: "log"},
		{code: &two, want: "2"}, {code: &bad, err: "0 to 255"}, {start: true, code: &two, err: "not several"},
	} {
		k, err := Kind(tt.start, tt.fail, tt.log, tt.code)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, k)
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tt := range []struct {
		raw, own []string
		slug     string
		argv     []string
		err      string
	}{
		{[]string{"monitor", "backup", "--", "sh", "-c", "x"}, []string{"backup", "sh", "-c", "x"}, "backup", []string{"sh", "-c", "x"}, ""},
		{[]string{"monitor", "--public-id", "u", "--", "true"}, []string{"true"}, "", []string{"true"}, ""},
		{[]string{"monitor", "backup", "true"}, []string{"backup", "true"}, "", nil, "after --"},
		{[]string{"monitor", "backup", "--"}, []string{"backup"}, "", nil, "missing the job's command"},
		{[]string{"monitor", "a", "b", "--", "true"}, []string{"a", "b", "true"}, "", nil, "too many arguments"},
	} {
		slug, argv, err := SplitArgs(tt.raw, tt.own)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.slug, slug)
		assert.Equal(t, tt.argv, argv)
	}
}
