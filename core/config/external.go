package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/pakyas/pakyas/core"
)

// ExternalFileName is the name of the external monitors file inside
// ConfigDir (external-monitors.md).
const ExternalFileName = "external_monitors.toml"

// DefaultExternalPath returns the path of external_monitors.toml inside
// ConfigDirFrom(getenv).
func DefaultExternalPath(getenv func(string) string) (string, error) {
	dir, err := ConfigDirFrom(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, ExternalFileName), nil
}

// External is the content of external_monitors.toml:
//
//	migration_mode = false
//	[targets.<name>]                 # a target's global settings
//	[checks."<key>".targets.<name>]  # one check's settings for a target
//
// where <key> is the slug or the public ID a command was invoked with. The
// values of the target tables are not checked here: each target plugin
// describes its own keys, and core/external validates the tables against
// that description, naming the lines Table keeps.
type External struct {
	// Path is the file read.
	Path string
	// Found is false when there is no file: no external targets.
	Found bool
	// MigrationMode is the file's migration_mode; MigrationModeSet says it
	// was written (flags and the environment override it either way).
	MigrationMode, MigrationModeSet bool
	// Targets holds the [targets.<name>] tables by name.
	Targets map[string]*Table
	// Checks holds the [checks."<key>".targets.<name>] tables by check key,
	// then target name.
	Checks map[string]map[string]*Table
}

// Table is one table of target settings and where its keys were written.
type Table struct {
	// Path is the file the table is in.
	Path string
	// Header is the table as the user writes it, e.g.
	// `[checks."backup-db".targets.healthchecks]`.
	Header string
	// Line is the line of the table's header (or of its first key when it
	// has no header of its own); 0 for a table that is not in the file.
	Line int
	// Values are the table's keys and values as go-toml decodes them
	// (string, int64, float64, bool, map[string]any, []any, time types).
	Values map[string]any
	lines  map[string]int
}

// KeyLine returns the line where key is set, or the table's line.
func (t *Table) KeyLine(key string) int {
	if t == nil {
		return 0
	}
	if l, ok := t.lines[key]; ok {
		return l
	}
	return t.Line
}

// Errorf returns an *Error at key's line (the table's line when key is ""
// or not set), prefixed with the table's header and the key.
func (t *Table) Errorf(key, format string, args ...any) *Error {
	where := t.Header
	if key != "" {
		where += " " + key
	}
	return &Error{Path: t.Path, Line: t.KeyLine(key), Column: 1, Msg: where + ": " + fmt.Sprintf(format, args...)}
}

// TargetsFor returns the names of the targets configured for check key:
// those with a global table and those with a table for key, sorted.
func (e *External) TargetsFor(key string) []string {
	names := map[string]bool{}
	for n := range e.Targets {
		names[n] = true
	}
	for n := range e.CheckTables(key) {
		names[n] = true
	}
	return slices.Sorted(maps.Keys(names))
}

// CheckTables returns the [checks."<key>".targets.<name>] tables of check
// key, by target name (a public ID matches in any case: CheckKey).
func (e *External) CheckTables(key string) map[string]*Table {
	return e.Checks[CheckKey(key)]
}

// LoadExternal reads the external monitors file at path. A missing file is
// an External with Found false and no error, unless required (the user
// named the file with --external-config). Every problem is an *Error naming
// path:line, the key and what to write instead.
func LoadExternal(path string, required bool) (*External, error) {
	e := &External{Path: path, Targets: map[string]*Table{}, Checks: map[string]map[string]*Table{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return e, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read external monitors config: %w", err)
	}
	return ParseExternal(path, b)
}

// ParseExternal reads the external monitors document b, read from path
// (named in errors and in its tables).
func ParseExternal(path string, b []byte) (*External, error) {
	e := &External{Path: path, Found: true, Targets: map[string]*Table{}, Checks: map[string]map[string]*Table{}}
	var doc map[string]any
	if err := DecodeStrict(path, b, &doc); err != nil {
		return nil, err
	}
	lines := keyLines(b)
	if err := e.fill(doc, lines); err != nil {
		return nil, err
	}
	return e, nil
}

// fill checks the document's shape and builds e's tables.
func (e *External) fill(doc map[string]any, lines positions) error {
	errAt := func(path []string, format string, args ...any) error {
		return &Error{Path: e.Path, Line: lines.line(path), Column: 1, Msg: fmt.Sprintf(format, args...)}
	}
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		v := doc[k]
		switch k {
		case "migration_mode":
			b, ok := v.(bool)
			if !ok {
				return errAt([]string{k}, "migration_mode must be true or false, not %s", tomlKind(v))
			}
			e.MigrationMode, e.MigrationModeSet = b, true
		case "targets":
			tables, err := e.targetTables(v, []string{"targets"}, "[targets.%s]", lines)
			if err != nil {
				return err
			}
			e.Targets = tables
		case "checks":
			checks, ok := v.(map[string]any)
			if !ok {
				return errAt([]string{k}, `checks must be tables: [checks."<slug or public id>".targets.<name>]`)
			}
			for _, key := range slices.Sorted(maps.Keys(checks)) {
				path := []string{"checks", key}
				// pakyas looks a public ID up in lower case, the form
				// the server gives; the file may spell it either way.
				canon := CheckKey(key)
				if _, dup := e.Checks[canon]; dup {
					return errAt(path, `[checks.%q] names the same check as another [checks."<key>"] table (public IDs match in any case): merge the two`, key)
				}
				check, ok := checks[key].(map[string]any)
				if !ok {
					return errAt(path, `checks.%q must be a table: [checks.%q.targets.<name>]`, key, key)
				}
				for _, sub := range slices.Sorted(maps.Keys(check)) {
					if sub != "targets" {
						return errAt(append(path, sub), `unknown key %q in [checks.%q]: a check's settings go in [checks.%q.targets.<name>]`, sub, key, key)
					}
				}
				header := fmt.Sprintf("[checks.%q.targets.%%s]", key)
				tables, err := e.targetTables(check["targets"], append(path, "targets"), header, lines)
				if err != nil {
					return err
				}
				e.Checks[canon] = tables
			}
		default:
			return errAt([]string{k}, "unknown key %q: the file holds migration_mode, [targets.<name>] and [checks.\"<key>\".targets.<name>] (see docs/targets.md)", k)
		}
	}
	return nil
}

// targetTables turns v, the value at path, into tables of target settings.
func (e *External) targetTables(v any, path []string, header string, lines positions) (map[string]*Table, error) {
	out := map[string]*Table{}
	if v == nil {
		return out, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Path: e.Path, Line: lines.line(path), Column: 1,
			Msg: fmt.Sprintf("%s must be a table of targets, e.g. %s", strings.Join(path, "."), fmt.Sprintf(header, "webhook"))}
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		tp := append(slices.Clone(path), name)
		values, ok := m[name].(map[string]any)
		if !ok {
			return nil, &Error{Path: e.Path, Line: lines.line(tp), Column: 1,
				Msg: fmt.Sprintf("%s must be a table, not %s: write the target's settings under %s", name, tomlKind(m[name]), fmt.Sprintf(header, name))}
		}
		t := &Table{Path: e.Path, Header: fmt.Sprintf(header, name), Line: lines.line(tp), Values: values, lines: map[string]int{}}
		for k := range values {
			t.lines[k] = lines.line(append(slices.Clone(tp), k))
		}
		out[name] = t
	}
	return out, nil
}

// positions maps a key path (joined with NUL) to the line it is set on.
type positions map[string]int

// line returns the line of path, or of its longest recorded prefix.
func (p positions) line(path []string) int {
	for i := len(path); i > 0; i-- {
		if l, ok := p[strings.Join(path[:i], "\x00")]; ok {
			return l
		}
	}
	return 0
}

// keyLines records the line of every table header and key in b, which
// must already have parsed. go-toml's decoder reports positions only for
// its own errors, so the host finds the lines of the keys a plugin's schema
// rejects here.
func keyLines(b []byte) positions {
	pos := positions{}
	var p unstable.Parser
	p.Reset(b)
	var table []string
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyParts(n.Key())
			recordKey(&p, pos, nil, n.Key())
		case unstable.KeyValue:
			recordKeyValue(&p, pos, table, n)
		}
	}
	return pos
}

func recordKeyValue(p *unstable.Parser, pos positions, prefix []string, n *unstable.Node) {
	full := recordKey(p, pos, prefix, n.Key())
	if v := n.Value(); v.Kind == unstable.InlineTable {
		for it := v.Children(); it.Next(); {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				recordKeyValue(p, pos, full, c)
			}
		}
	}
}

// recordKey records the line of every prefix of prefix+key not recorded
// yet (the first mention of a table is its definition) and returns the
// full path.
func recordKey(p *unstable.Parser, pos positions, prefix []string, key unstable.Iterator) []string {
	full := slices.Clone(prefix)
	for key.Next() {
		k := key.Node()
		full = append(full, string(k.Data))
		j := strings.Join(full, "\x00")
		if _, ok := pos[j]; !ok {
			pos[j] = p.Shape(k.Raw).Start.Line
		}
	}
	return full
}

func keyParts(key unstable.Iterator) []string {
	var out []string
	for key.Next() {
		out = append(out, string(key.Node().Data))
	}
	return out
}

// tomlKind names a decoded TOML value's type for messages.
func tomlKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case float64:
		return "a number"
	case map[string]any:
		return "a table"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}

// CheckKey returns the form in which a [checks."<key>"] key is looked up:
// a public ID (a UUID) in lower case, as pakyas passes it whatever case
// it was given in; a slug as it is.
func CheckKey(key string) string {
	if core.CanonicalUUID(key, true) {
		return strings.ToLower(key)
	}
	return key
}
