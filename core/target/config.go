package target

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
)

// Config is the configuration a target receives: its own global
// [targets.<name>] table and the [checks."<key>".targets.<name>] table of the
// check being run. Nothing else reaches a plugin: not the Pakyas API key, not
// another target's settings, not keys that belong to the host.
//
// After the SDK has checked the tables against the target's schema, values
// have Go types string, int64, bool and map[string]string; the accessors
// below read them.
type Config struct {
	Global map[string]any
	Check  map[string]any
}

// Lookup returns the value of key and the table it was found in, looking in
// the check's table first, then in the global one.
func (c Config) Lookup(key string) (any, Scope, bool) {
	if v, ok := c.Check[key]; ok {
		return v, ScopeCheck, true
	}
	if v, ok := c.Global[key]; ok {
		return v, ScopeGlobal, true
	}
	return nil, "", false
}

// String returns key's value as a string, or "" when it is unset or not a
// string.
func (c Config) String(key string) string {
	v, _, _ := c.Lookup(key)
	s, _ := v.(string)
	return s
}

// Int returns key's value as an integer, or 0 when it is unset or not an
// integer.
func (c Config) Int(key string) int64 {
	v, _, _ := c.Lookup(key)
	n, _ := toInt(v)
	return n
}

// Bool returns key's value as a bool, or false when it is unset or not a
// bool.
func (c Config) Bool(key string) bool {
	v, _, _ := c.Lookup(key)
	b, _ := v.(bool)
	return b
}

// StringMap returns a copy of key's value as a map of strings, or nil when it
// is unset or not a table of strings.
func (c Config) StringMap(key string) map[string]string {
	v, _, _ := c.Lookup(key)
	m, _ := toStringMap(v)
	return m
}

// toInt converts the integer forms a decoded table may hold.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// toStringMap converts a table whose values are all strings.
func toStringMap(v any) (map[string]string, bool) {
	switch m := v.(type) {
	case map[string]string:
		return maps.Clone(m), true
	case map[string]any:
		out := make(map[string]string, len(m))
		for k, x := range m {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out[k] = s
		}
		return out, true
	}
	return nil, false
}

// decodeTable parses a JSON object as sent in ConfigureRequest; empty input
// is an empty table. Numbers stay exact (json.Number).
func decodeTable(b []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(b) == 0 {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the JSON object")
	}
	if m == nil { // the JSON literal null
		m = map[string]any{}
	}
	return m, nil
}

// encodeTable is decodeTable's inverse; a nil table is "{}".
func encodeTable(m map[string]any) ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(m)
}
