package external

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/pakyas/pakyas/core/config"
)

// Prefix is the start of every target plugin's executable name:
// pakyas-target-<name> serves [targets.<name>].
const Prefix = "pakyas-target-"

// PluginDirEnv names the environment variable searched first for plugins:
// one directory or a list (separated like $PATH).
const PluginDirEnv = "PAKYAS_PLUGIN_DIR"

// The places plugins are found, in discovery order (Dir.Source).
const (
	SourceEnv        = "$" + PluginDirEnv
	SourceConfig     = "config directory"
	SourceExecutable = "pakyas's directory"
	SourcePath       = "$PATH"
)

// Dir is one directory searched for plugins.
type Dir struct {
	Path   string
	Source string // SourceEnv, SourceConfig, SourceExecutable or SourcePath
}

// Plugin is a target plugin executable found on disk.
type Plugin struct {
	// Name is the target's name, the <name> of pakyas-target-<name>.
	Name string
	// Path is the executable's absolute path.
	Path string
	// Source is where it was found (Dir.Source).
	Source string
	// Shadowed lists executables of the same name later in the search
	// path, which this one hides.
	Shadowed []string
}

// NotFoundError is returned by Find for a target with no plugin installed.
type NotFoundError struct {
	Name string
	Dirs []Dir
}

func (e *NotFoundError) Error() string {
	var where []string
	for _, d := range e.Dirs {
		if d.Source != SourcePath {
			where = append(where, d.Path)
		}
	}
	where = append(where, "$PATH")
	return fmt.Sprintf("no plugin %s%s installed: put the executable in %s", Prefix, e.Name, strings.Join(where, ", "))
}

// SearchPath returns the directories searched for plugins, in order:
// $PAKYAS_PLUGIN_DIR, $XDG_CONFIG_HOME/pakyas/plugins (~/.config/...),
// the directory of the running pakyas executable, then the absolute
// directories of $PATH (relative ones are skipped). getenv reads the
// environment. Directories that cannot be known (no home directory)
// are left out; duplicates are kept once, in their first place.
func SearchPath(getenv func(string) string) []Dir {
	var dirs []Dir
	add := func(path, source string) {
		if path == "" {
			return
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		if !slices.ContainsFunc(dirs, func(d Dir) bool { return d.Path == path }) {
			dirs = append(dirs, Dir{Path: path, Source: source})
		}
	}
	for _, d := range filepath.SplitList(getenv(PluginDirEnv)) {
		add(d, SourceEnv)
	}
	if cfg, err := config.ConfigDirFrom(getenv); err == nil {
		add(filepath.Join(cfg, "plugins"), SourceConfig)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		add(filepath.Dir(exe), SourceExecutable)
	}
	for _, d := range filepath.SplitList(getenv("PATH")) {
		// A relative entry ("." or "bin") means whatever directory the
		// job runs in; like os/exec (exec.ErrDot), never launch from it.
		if filepath.IsAbs(d) {
			add(d, SourcePath)
		}
	}
	return dirs
}

// Discover returns every plugin in dirs, sorted by name. When several
// directories hold the same name, the first wins and hides the others
// (Plugin.Shadowed). Unreadable directories are skipped.
func Discover(dirs []Dir) []Plugin {
	var out []Plugin
	index := map[string]int{}
	for _, d := range dirs {
		entries, err := os.ReadDir(d.Path)
		if err != nil {
			continue
		}
		for _, ent := range entries {
			name, ok := pluginName(ent.Name())
			if !ok {
				continue
			}
			path := filepath.Join(d.Path, ent.Name())
			if !isExecutable(path) {
				continue
			}
			if i, seen := index[name]; seen {
				out[i].Shadowed = append(out[i].Shadowed, path)
				continue
			}
			index[name] = len(out)
			out = append(out, Plugin{Name: name, Path: path, Source: d.Source})
		}
	}
	slices.SortFunc(out, func(a, b Plugin) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Find returns the first plugin for target name in dirs, or a
// *NotFoundError saying where to put one.
func Find(dirs []Dir, name string) (Plugin, error) {
	if !validName.MatchString(name) {
		return Plugin{}, fmt.Errorf("invalid target name %q: use lowercase letters, digits, - and _", name)
	}
	file := Prefix + name
	if runtime.GOOS == "windows" {
		file += ".exe"
	}
	var p Plugin
	for _, d := range dirs {
		path := filepath.Join(d.Path, file)
		if !isExecutable(path) {
			continue
		}
		if p.Path == "" {
			p = Plugin{Name: name, Path: path, Source: d.Source}
		} else {
			p.Shadowed = append(p.Shadowed, path)
		}
	}
	if p.Path == "" {
		return Plugin{}, &NotFoundError{Name: name, Dirs: dirs}
	}
	return p, nil
}

// IsNotFound reports whether err says a plugin is not installed.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// pluginName returns the target name of an executable's file name.
func pluginName(file string) (string, bool) {
	name, ok := strings.CutPrefix(file, Prefix)
	if !ok {
		return "", false
	}
	if runtime.GOOS == "windows" {
		if name, ok = strings.CutSuffix(strings.ToLower(name), ".exe"); !ok {
			return "", false
		}
	}
	return name, validName.MatchString(name)
}

// isExecutable reports whether path is a regular file (after symlinks)
// that can be executed: any execute bit on Unix, an .exe on Windows.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	if runtime.GOOS == "windows" {
		return strings.EqualFold(filepath.Ext(path), ".exe")
	}
	return fi.Mode().Perm()&0o111 != 0
}
