package targettest

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pakyas/pakyas/core/target"
)

// placeholder is the value of generated string keys the suite cannot guess.
const placeholder = "pakyas-plugin-check"

// fromSchema derives a good and a slow configuration from schema: every
// required key, plus every optional key that looks like a URL or a path
// (so a default never points at a real service). dir holds generated
// paths. set overrides keys.
func fromSchema(schema target.ConfigSchema, ep *Endpoint, dir string, set map[string]string) (good, slow Tables, err error) {
	good = Tables{Global: map[string]any{}, Check: map[string]any{}}
	slow = Tables{Global: map[string]any{}, Check: map[string]any{}}
	for _, f := range schema.Fields {
		g, s, ok := generate(f, ep, dir)
		if !ok {
			continue
		}
		table(good, f.Scope)[f.Key] = g
		table(slow, f.Scope)[f.Key] = s
	}
	for key, raw := range set {
		f, ok := schema.Field(key)
		if !ok {
			return Tables{}, Tables{}, fmt.Errorf("set %s: the plugin has no key %q", key, key)
		}
		v, err := parseValue(f.Type, raw)
		if err != nil {
			return Tables{}, Tables{}, fmt.Errorf("set %s: %w", key, err)
		}
		table(good, f.Scope)[key] = v
		table(slow, f.Scope)[key] = v
	}
	return good, slow, nil
}

// generate returns a value for f in the good and the slow configuration,
// and whether to set f at all.
func generate(f target.Field, ep *Endpoint, dir string) (good, slow any, ok bool) {
	key := strings.ToLower(f.Key)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(key, w) {
				return true
			}
		}
		return false
	}
	switch f.Type {
	case target.TypeString:
		switch {
		case has("url", "endpoint", "base", "server", "host"):
			return ep.URL, ep.HangURL, true
		case has("path", "file", "dir"):
			p := filepath.Join(dir, f.Key)
			return p, p, true
		case has("uuid"):
			id := newUUID()
			return id, id, f.Required
		default:
			return placeholder, placeholder, f.Required
		}
	case target.TypeInt:
		return int64(1), int64(1), f.Required
	case target.TypeBool:
		return false, false, f.Required
	case target.TypeStringMap:
		return map[string]any{}, map[string]any{}, f.Required
	}
	return nil, nil, false
}

// wrongValue is a value of the wrong type for t.
func wrongValue(t target.FieldType) any {
	if t == target.TypeString {
		return int64(42)
	}
	return "not-a-" + string(t)
}

func parseValue(t target.FieldType, s string) (any, error) {
	switch t {
	case target.TypeInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case target.TypeBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return b, nil
	case target.TypeStringMap:
		m := map[string]any{}
		for kv := range strings.SplitSeq(s, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("%q: want name=value,name=value", s)
			}
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		return m, nil
	}
	return s, nil
}

func table(t Tables, s target.Scope) map[string]any {
	if s == target.ScopeCheck {
		return t.Check
	}
	return t.Global
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// clone deep-copies t's tables (one level of nested tables).
func (t Tables) clone() Tables {
	cp := func(m map[string]any) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				c := make(map[string]any, len(sub))
				for sk, sv := range sub {
					c[sk] = sv
				}
				v = c
			}
			out[k] = v
		}
		return out
	}
	return Tables{Global: cp(t.Global), Check: cp(t.Check)}
}
