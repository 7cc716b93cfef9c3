package target

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testSchema = ConfigSchema{Fields: []Field{
	{Key: "url", Type: TypeString, Scope: ScopeGlobal, Required: true, Description: "where to send"},
	{Key: "retries", Type: TypeInt, Scope: ScopeGlobal},
	{Key: "verbose", Type: TypeBool, Scope: ScopeGlobal},
	{Key: "headers", Type: TypeStringMap, Scope: ScopeGlobal},
	{Key: "id", Type: TypeString, Scope: ScopeCheck, Required: true},
}}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		in      Config
		want    Config
		wantErr []FieldError // messages compared by substring
	}{
		{
			name: "all types, normalised",
			in: Config{
				Global: map[string]any{"url": "u", "retries": json.Number("3"), "verbose": true,
					"headers": map[string]any{"A": "b"}},
				Check: map[string]any{"id": "x"},
			},
			want: Config{
				Global: map[string]any{"url": "u", "retries": int64(3), "verbose": true,
					"headers": map[string]string{"A": "b"}},
				Check: map[string]any{"id": "x"},
			},
		},
		{
			name: "TOML-decoded integers",
			in:   Config{Global: map[string]any{"url": "u", "retries": int64(1 << 60)}, Check: map[string]any{"id": "x"}},
			want: Config{Global: map[string]any{"url": "u", "retries": int64(1 << 60)}, Check: map[string]any{"id": "x"}},
		},
		{
			name:    "required keys missing",
			in:      Config{},
			wantErr: []FieldError{{ScopeGlobal, []string{"url"}, "required but not set; set url (string): where to send"}, {ScopeCheck, []string{"id"}, "required"}},
		},
		{
			name: "unknown key",
			in:   Config{Global: map[string]any{"url": "u", "uuid": "x"}, Check: map[string]any{"id": "x"}},
			wantErr: []FieldError{{ScopeGlobal, []string{"uuid"},
				"unknown key; global keys: url, retries, verbose, headers; per-check keys: id"}},
		},
		{
			name: "per-check key in the global table",
			in:   Config{Global: map[string]any{"url": "u", "id": "x"}},
			wantErr: []FieldError{
				{ScopeGlobal, []string{"id"}, "is a per-check key: move it to the check's table"},
				{ScopeCheck, []string{"id"}, "required"},
			},
		},
		{
			name:    "global key in the check table",
			in:      Config{Global: map[string]any{"url": "u"}, Check: map[string]any{"id": "x", "url": "v"}},
			wantErr: []FieldError{{ScopeCheck, []string{"url"}, "is a global key: move it to the target's table"}},
		},
		{
			name: "wrong types",
			in: Config{
				Global: map[string]any{"url": int64(1), "retries": json.Number("1.5"), "verbose": "yes",
					"headers": map[string]any{"A": int64(1)}},
				Check: map[string]any{"id": time.Time{}},
			},
			wantErr: []FieldError{
				{ScopeGlobal, []string{"headers"}, "must be a table of strings"},
				{ScopeGlobal, []string{"retries"}, "must be an integer, not a number"},
				{ScopeGlobal, []string{"url"}, "must be a string, not an integer"},
				{ScopeGlobal, []string{"verbose"}, "must be a boolean (true or false), not a string"},
				{ScopeCheck, []string{"id"}, "must be a string, not a date-time"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := testSchema.Validate(tt.in)
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			require.Len(t, ce.Fields, len(tt.wantErr), "%v", ce)
			for i, f := range ce.Fields {
				assert.Equal(t, tt.wantErr[i].Scope, f.Scope)
				assert.Equal(t, tt.wantErr[i].Path, f.Path)
				assert.Contains(t, f.Message, tt.wantErr[i].Message)
			}
		})
	}
}

func TestValidateNoSchema(t *testing.T) {
	_, err := ConfigSchema{}.Validate(Config{Global: map[string]any{"x": "y"}})
	assert.EqualError(t, err, "invalid configuration: global key x: unknown key; this target takes no settings")
	_, err = ConfigSchema{}.Validate(Config{})
	assert.NoError(t, err)
}

func TestSchemaCheck(t *testing.T) {
	tests := []struct {
		name    string
		fields  []Field
		wantErr string
	}{
		{"fine", testSchema.Fields, ""},
		{"empty", nil, ""},
		{"empty key", []Field{{Type: TypeString, Scope: ScopeGlobal}}, "schema field 0: empty key"},
		{"repeated key", []Field{{Key: "a", Type: TypeString, Scope: ScopeGlobal}, {Key: "a", Type: TypeInt, Scope: ScopeCheck}},
			`schema field "a": listed twice`},
		{"unknown type", []Field{{Key: "a", Type: "float", Scope: ScopeGlobal}}, `unknown type "float"`},
		{"unknown scope", []Field{{Key: "a", Type: TypeBool}}, `unknown scope ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ConfigSchema{Fields: tt.fields}.Check()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestConfigAccessors(t *testing.T) {
	c := Config{
		Global: map[string]any{"s": "global", "n": int64(7), "b": true, "m": map[string]any{"k": "v"}, "only": "g"},
		Check:  map[string]any{"s": "check", "f": float64(2), "j": json.Number("9"), "bad": map[string]any{"k": 1}},
	}
	assert.Equal(t, "check", c.String("s"), "the check's table wins")
	assert.Equal(t, "g", c.String("only"))
	assert.Equal(t, "", c.String("n"), "not a string")
	assert.Equal(t, "", c.String("missing"))
	assert.Equal(t, int64(7), c.Int("n"))
	assert.Equal(t, int64(2), c.Int("f"))
	assert.Equal(t, int64(9), c.Int("j"))
	assert.Equal(t, int64(0), c.Int("s"))
	assert.True(t, c.Bool("b"))
	assert.False(t, c.Bool("s"))
	assert.Equal(t, map[string]string{"k": "v"}, c.StringMap("m"))
	assert.Nil(t, c.StringMap("bad"))

	_, scope, ok := c.Lookup("only")
	assert.True(t, ok)
	assert.Equal(t, ScopeGlobal, scope)
}

func TestDecodeTable(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]any
		wantErr bool
	}{
		{"", map[string]any{}, false},
		{"{}", map[string]any{}, false},
		{"null", map[string]any{}, false},
		{`{"n": 9007199254740993}`, map[string]any{"n": json.Number("9007199254740993")}, false},
		{`{"a": 1} {"b": 2}`, nil, true},
		{`[1]`, nil, true},
		{`{`, nil, true},
	}
	for _, tt := range tests {
		got, err := decodeTable([]byte(tt.in))
		if tt.wantErr {
			assert.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestFieldErrorText(t *testing.T) {
	assert.Equal(t, "per-check key uuid: bad", FieldError{ScopeCheck, []string{"uuid"}, "bad"}.Error())
	assert.Equal(t, "global key headers.X-A: bad", FieldError{ScopeGlobal, []string{"headers", "X-A"}, "bad"}.Error())
	assert.Equal(t, "whole thing", FieldError{Message: "whole thing"}.Error())
	var none ConfigError
	assert.NoError(t, none.Err())
}

// TestSchemaSnakeCaseKeys: a key that is not snake_case is refused by the
// schema check itself, so `pakyas monitor`, `plugin list` and `plugin
// info` refuse it as `plugin check` does, with the spelling to use.
func TestSchemaSnakeCaseKeys(t *testing.T) {
	for key, want := range map[string]string{"apiKey": "api_key", "Severity": "severity", "dead-line": "dead_line", "9lives": ""} {
		err := ConfigSchema{Fields: []Field{{Key: key, Type: TypeString, Scope: ScopeGlobal}}}.Check()
		if assert.Error(t, err, key) {
			assert.Contains(t, err.Error(), "snake_case", key)
			if want != "" {
				assert.Contains(t, err.Error(), `e.g. "`+want+`"`, key)
			}
		}
	}
	assert.NoError(t, ConfigSchema{Fields: []Field{{Key: "api_key2", Type: TypeString, Scope: ScopeGlobal}}}.Check())
}
