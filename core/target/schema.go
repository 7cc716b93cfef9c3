package target

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// FieldType is the type of a configuration value.
type FieldType string

// The configuration value types: TOML strings, integers, booleans and tables
// of strings.
const (
	TypeString    FieldType = "string"
	TypeInt       FieldType = "int"
	TypeBool      FieldType = "bool"
	TypeStringMap FieldType = "string_map"
)

// Scope is the table a configuration key belongs in.
type Scope string

// The scopes.
const (
	// ScopeGlobal is [targets.<name>], shared by every check.
	ScopeGlobal Scope = "global"
	// ScopeCheck is [checks."<key>".targets.<name>], one check's settings.
	ScopeCheck Scope = "check"
)

// Field describes one configuration key.
type Field struct {
	// Key is the TOML key, e.g. "api_key".
	Key string
	// Type is the value's type.
	Type FieldType
	// Required means the table of the field's scope must set the key.
	Required bool
	// Scope is the table the key belongs in.
	Scope Scope
	// Secret values are never printed by the host.
	Secret bool
	// Description is one line for `pakyas plugin info`; mention the default
	// the target applies when the key is unset.
	Description string
}

// ConfigSchema lists the configuration keys a target accepts.
type ConfigSchema struct {
	Fields []Field
}

// Field returns the field for key.
func (s ConfigSchema) Field(key string) (Field, bool) {
	i := slices.IndexFunc(s.Fields, func(f Field) bool { return f.Key == key })
	if i < 0 {
		return Field{}, false
	}
	return s.Fields[i], true
}

// KeyPattern is what a configuration key must look like: snake_case.
var KeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// snakeCase suggests the snake_case spelling of a key such as "apiKey".
func snakeCase(key string) string {
	var b strings.Builder
	for i, r := range key {
		switch {
		case unicode.IsUpper(r):
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		case r == '-' || r == ' ' || r == '.':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Check reports what is wrong with the schema itself: an empty, repeated
// or not snake_case key, an unknown type or scope. The SDK refuses to serve or use a schema
// that fails it.
func (s ConfigSchema) Check() error {
	seen := map[string]bool{}
	for i, f := range s.Fields {
		switch {
		case f.Key == "":
			return fmt.Errorf("schema field %d: empty key", i)
		case !KeyPattern.MatchString(f.Key):
			return fmt.Errorf("schema field %q: use a snake_case TOML key (lowercase letters, digits and _, starting with a letter), e.g. %q", f.Key, snakeCase(f.Key))
		case seen[f.Key]:
			return fmt.Errorf("schema field %q: listed twice", f.Key)
		case !slices.Contains([]FieldType{TypeString, TypeInt, TypeBool, TypeStringMap}, f.Type):
			return fmt.Errorf("schema field %q: unknown type %q (want string, int, bool or string_map)", f.Key, f.Type)
		case f.Scope != ScopeGlobal && f.Scope != ScopeCheck:
			return fmt.Errorf("schema field %q: unknown scope %q (want global or check)", f.Key, f.Scope)
		}
		seen[f.Key] = true
	}
	return nil
}

// Validate checks c against the schema: every key known and in the table of
// its scope, every value of its field's type, every required key set. It
// returns a copy of c whose values have the field types' Go types (string,
// int64, bool, map[string]string), or a *ConfigError naming every problem.
func (s ConfigSchema) Validate(c Config) (Config, error) {
	var errs ConfigError
	out := Config{Global: map[string]any{}, Check: map[string]any{}}
	for _, t := range []struct {
		scope Scope
		in    map[string]any
		out   map[string]any
	}{{ScopeGlobal, c.Global, out.Global}, {ScopeCheck, c.Check, out.Check}} {
		for _, key := range sortedKeys(t.in) {
			f, ok := s.Field(key)
			switch {
			case !ok:
				errs.Add(t.scope, key, "unknown key; "+s.known())
			case f.Scope != t.scope:
				errs.Add(t.scope, key, misplaced(f.Scope))
			default:
				v, err := convert(f.Type, t.in[key])
				if err != nil {
					errs.Add(t.scope, key, err.Error())
					continue
				}
				t.out[key] = v
			}
		}
	}
	for _, f := range s.Fields {
		table := c.Global
		if f.Scope == ScopeCheck {
			table = c.Check
		}
		if _, ok := table[f.Key]; f.Required && !ok {
			errs.Add(f.Scope, f.Key, "required but not set; "+describeField(f))
		}
	}
	if err := errs.Err(); err != nil {
		return Config{}, err
	}
	return out, nil
}

// known lists the schema's keys for an "unknown key" message.
func (s ConfigSchema) known() string {
	if len(s.Fields) == 0 {
		return "this target takes no settings"
	}
	var global, check []string
	for _, f := range s.Fields {
		if f.Scope == ScopeGlobal {
			global = append(global, f.Key)
		} else {
			check = append(check, f.Key)
		}
	}
	var parts []string
	if len(global) > 0 {
		parts = append(parts, "global keys: "+strings.Join(global, ", "))
	}
	if len(check) > 0 {
		parts = append(parts, "per-check keys: "+strings.Join(check, ", "))
	}
	return strings.Join(parts, "; ")
}

func misplaced(want Scope) string {
	if want == ScopeCheck {
		return `is a per-check key: move it to the check's table [checks."<key>".targets.<name>]`
	}
	return "is a global key: move it to the target's table [targets.<name>]"
}

func describeField(f Field) string {
	s := string(f.Type)
	if f.Type == TypeStringMap {
		s = "table of strings"
	}
	if f.Description != "" {
		return fmt.Sprintf("set %s (%s): %s", f.Key, s, f.Description)
	}
	return fmt.Sprintf("set %s (%s)", f.Key, s)
}

// convert checks v against t and returns it with t's Go type.
func convert(t FieldType, v any) (any, error) {
	var (
		out any
		ok  bool
	)
	switch t {
	case TypeString:
		out, ok = v.(string)
	case TypeInt:
		out, ok = toInt(v)
	case TypeBool:
		out, ok = v.(bool)
	case TypeStringMap:
		out, ok = toStringMap(v)
		if !ok {
			if _, isTable := v.(map[string]any); isTable {
				return nil, fmt.Errorf("must be a table of strings; every value must be a quoted string")
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("must be %s, not %s", article(t), kind(v))
	}
	return out, nil
}

func article(t FieldType) string {
	switch t {
	case TypeString:
		return "a string"
	case TypeInt:
		return "an integer"
	case TypeBool:
		return "a boolean (true or false)"
	default:
		return "a table of strings"
	}
}

// kind names v's type in TOML's words.
func kind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int32, int64:
		return "an integer"
	case float32, float64:
		return "a number"
	case map[string]any, map[string]string:
		return "a table"
	case []any:
		return "an array"
	case json.Number:
		if _, ok := toInt(v); ok {
			return "an integer"
		}
		return "a number"
	case time.Time:
		return "a date-time"
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
