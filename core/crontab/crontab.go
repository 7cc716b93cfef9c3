// Package crontab reads crontab files and rewrites their jobs to run under
// `pakyas monitor`, for `pakyas discover`. Everything that is not a job —
// comments, blank lines, environment lines — and every job already wrapped
// is kept byte for byte, so a rewritten file is the same after a second
// run.
package crontab

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/pakyas/pakyas/core"
)

// Line is one line of a crontab.
type Line struct {
	Text string // as read, without the newline
	// Job is set for a job line.
	Job *Job
}

// Job is one scheduled command.
type Job struct {
	Schedule string // "*/15 * * * *", or a macro such as "@daily"
	User     string // the user column of /etc/crontab and /etc/cron.d files
	Command  string // the command field, up to the first unescaped %
	Input    string // "%..." after it: the job's standard input, as cron reads it
	TZ       string // CRON_TZ or TZ in effect for the line ("" when none)
	Shell    string // SHELL in effect for the line ("" when none: cron's /bin/sh)
	// Wrapped: the command already runs pakyas (under `pakyas monitor`,
	// or another pakyas command such as `pakyas spool flush`): it is kept.
	Wrapped bool
	// WrappedSlug is the check slug of a command that runs under `pakyas
	// monitor SLUG` ("" otherwise, or for --public-id).
	WrappedSlug string
	// WrappedID is the public ID of one under `pakyas monitor --public-id
	// ID` ("" otherwise).
	WrappedID string
	// Skip says why the job cannot be monitored ("" when it can).
	Skip string

	tail string // the command field and its input as written: the end of the line
}

// env matches an environment line: NAME = value. Compiled on first use,
// not at init: every pakyas command would pay for it.
var env = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$`)
})

var macros = map[string]bool{"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true, "@reboot": true}

// Parse reads a crontab. userColumn says the jobs name a user after their
// schedule (/etc/crontab, /etc/cron.d/*).
func Parse(text string, userColumn bool) []Line {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	var lines []Line
	tz, shell := "", ""
	for _, t := range strings.Split(text, "\n") {
		l := Line{Text: t}
		trimmed := strings.TrimSpace(t)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case env().MatchString(t) && !strings.HasPrefix(trimmed, "@"):
			m := env().FindStringSubmatch(t)
			switch m[1] {
			case "CRON_TZ", "TZ":
				tz = strings.Trim(strings.TrimSpace(m[2]), `"'`)
			case "SHELL":
				shell = strings.Trim(strings.TrimSpace(m[2]), `"'`)
			}
		default:
			l.Job = parseJob(trimmed, userColumn)
			if l.Job != nil {
				l.Job.TZ, l.Job.Shell = tz, shell
			}
		}
		lines = append(lines, l)
	}
	return lines
}

func parseJob(s string, userColumn bool) *Job {
	fields := strings.Fields(s)
	n := 5
	if strings.HasPrefix(s, "@") {
		n = 1
	}
	if userColumn {
		n++
	}
	if len(fields) <= n {
		return nil // not a job cron would run either
	}
	j := &Job{}
	if strings.HasPrefix(s, "@") {
		j.Schedule = fields[0]
		if !macros[j.Schedule] {
			return nil
		}
	} else {
		j.Schedule = strings.Join(fields[:5], " ")
	}
	if userColumn {
		j.User = fields[n-1]
	}
	// The command is the rest of the line as written (spacing kept).
	rest := s
	for range n {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		rest = rest[strings.IndexFunc(rest, unicode.IsSpace):]
	}
	rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
	j.tail = rest
	j.Command, j.Input = splitPercent(rest)
	j.Wrapped, j.WrappedSlug = wrapped(j.Command)
	if j.Wrapped && j.WrappedSlug == "" {
		j.WrappedID = publicIDFlag(j.Command)
	}
	if j.Schedule == "@reboot" {
		j.Skip = "@reboot runs once at boot: there is no schedule to expect it on"
	}
	return j
}

// splitPercent splits a command field at its first unescaped %: cron runs
// what is before it, and sends what is after it to the command's standard
// input.
func splitPercent(s string) (cmd, input string) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '%':
			return strings.TrimRightFunc(s[:i], unicode.IsSpace), s[i:]
		}
	}
	return s, ""
}

// wrapped reports whether cmd runs pakyas (or a build of it named
// pakyas-something, by any path, after NAME=value assignments or env, as
// the user guide's own cron lines do) and, when it runs `pakyas monitor
// SLUG`, the slug.
func wrapped(cmd string) (bool, string) {
	w := shellWords(cmd)
	i := 0
	for i < len(w) && (assignment(w[i]) || w[i] == "env" || (i > 0 && w[i-1] == "env" && strings.HasPrefix(w[i], "-"))) {
		i++
	}
	if i >= len(w) {
		return false, ""
	}
	// pakyas itself, whatever it runs; a build named pakyas-something
	// (and not, say, a pakyas-report.sh of the user's) only as monitor.
	name := strings.TrimSuffix(path.Base(w[i]), ".exe")
	if name != "pakyas" && !strings.HasPrefix(name, "pakyas-") {
		return false, ""
	}
	args := w[i+1:]
	m := slices.Index(args, "monitor")
	if end := slices.Index(args, "--"); m < 0 || (end >= 0 && end < m) {
		return name == "pakyas", ""
	}
	// The slug is monitor's one argument: the first word that is not a
	// flag nor the value of one (a flag of those that take one, given
	// without "=").
	for k := m + 1; k < len(args) && args[k] != "--"; k++ {
		a := args[k]
		if strings.HasPrefix(a, "-") {
			continue
		}
		if p := args[k-1]; strings.HasPrefix(p, "-") && !strings.Contains(p, "=") && !boolFlags[strings.TrimLeft(p, "-")] && k-1 > m {
			continue
		}
		return true, a
	}
	return true, ""
}

// publicIDFlag returns the value of a --public-id flag in cmd ("" when
// it has none).
func publicIDFlag(cmd string) string {
	w := shellWords(cmd)
	for i, a := range w {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--public-id="); ok {
			return v
		}
		if a == "--public-id" && i+1 < len(w) {
			return w[i+1]
		}
	}
	return ""
}

// boolFlags are the flags of `pakyas monitor` (and the global ones) that
// take no value.
var boolFlags = map[string]bool{"q": true, "quiet": true, "no-output": true, "no-external": true, "migration-mode": true,
	"v": true, "vv": true, "verbose": true}

// assignment reports whether w is a shell variable assignment, NAME=value.
func assignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// shellWords splits the start of a command into words as sh would, with
// its quotes removed; it stops at the first operator (;, &, |, <, >, (, )).
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in := false // a word is being read
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				end = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			in = true
		case c == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
			}
			in = true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case strings.IndexByte(";&|<>()", c) >= 0:
			if in {
				words = append(words, cur.String())
			}
			return words
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// Slug proposes a check slug for the command: the name of the program it
// runs (the script's name without its extension), skipping wrappers such
// as cd, sudo, env, nice, sh and interpreters.
func Slug(cmd string) string {
	skip := map[string]bool{"cd": true, "sudo": true, "env": true, "nice": true, "ionice": true, "flock": true,
		"timeout": true, "exec": true, "sh": true, "bash": true, "dash": true, "zsh": true, "python": true,
		"python3": true, "php": true, "node": true, "ruby": true, "perl": true, "test": true, "[": true,
		"true": true, "chronic": true, "run-parts": false}
	words := strings.FieldsFunc(cmd, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(";&|()<>`'\"", r)
	})
	var prev string
	for _, w := range words {
		base := path.Base(w)
		if strings.HasPrefix(w, "-") {
			base = w
		}
		switch {
		case strings.HasPrefix(w, "-") || strings.Contains(w, "=") || strings.HasPrefix(w, "$"):
		case prev == "cd" || len(prev) == 2 && prev[0] == '-': // cd's directory, a short option's value
		case strings.Trim(w, "0123456789") == "":
		case skip[base]:
		default:
			if ext := path.Ext(base); ext != "" && len(ext) <= 4 {
				base = strings.TrimSuffix(base, ext)
			}
			if s := slugify(base); s != "" && s != "dev" && s != "null" {
				return s
			}
		}
		prev = base
	}
	return "cron-job"
}

// slugify is core.Slugify, short enough for a "-N" suffix; "" when it
// makes no slug.
func slugify(s string) string {
	out := core.Slugify(s)
	if len(out) > 90 {
		out = strings.TrimRight(out[:90], "-")
	}
	if !core.ValidSlug(out) {
		return ""
	}
	return out
}

// Wrap returns the job's line with its command run under `pakyas monitor
// SLUG --`: pakyas is the executable to run (an absolute path: cron's PATH
// is short). A simple command is wrapped as is; one with shell syntax
// (&&, |, redirections, variables) runs through sh -c, so all of it is
// monitored and its redirections still apply. The schedule, the user
// column and the job's %-input are kept.
func Wrap(line string, j *Job, pakyas, slug string) string {
	return wrap(line, j, shellQuote(pakyas)+" monitor "+slug)
}

// WrapAs is Wrap for a job that runs as another user than the one who
// runs discover (the user column of a system crontab): that user has no
// pakyas login of their own, so the line names the server and the check
// by its public ID, which need no API key.
func WrapAs(line string, j *Job, pakyas, apiURL, publicID string) string {
	return wrap(line, j, "PAKYAS_API_URL="+shellQuote(apiURL)+" "+shellQuote(pakyas)+" monitor --public-id "+publicID)
}

// wrap returns line with its command run under head (`pakyas monitor
// ...`) and "--".
func wrap(line string, j *Job, head string) string {
	body := strings.TrimRightFunc(line, unicode.IsSpace)
	if j.Command == "" || !strings.HasSuffix(body, j.tail) {
		return line
	}
	prefix := body[:len(body)-len(j.tail)]
	cmd := j.Command
	if w := strings.Fields(cmd); strings.ContainsAny(cmd, "&|;<>()$`*?[]{}~\\\"'#") || (len(w) > 0 && assignment(w[0])) {
		// cron turns \% into %; inside the quotes every % is escaped
		// again. The shell is the crontab's SHELL, as cron's would be.
		shell := "sh"
		if j.Shell != "" {
			shell = shellQuote(j.Shell)
		}
		cmd = shell + " -c " + shellQuote(strings.ReplaceAll(cmd, `\%`, "%"))
	}
	out := prefix + head + " -- " + cmd
	if j.Input != "" {
		out += " " + j.Input
	}
	return out
}

// shellQuote quotes s for sh when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t&|;<>()$`*?[]{}~\\\"'#%") {
		return s
	}
	// A % inside the quotes would still end the command for cron.
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, "'", `'\''`), "%", `\%`) + "'"
}

// Describe is how a job is shown in the plan: its schedule and command.
func (j *Job) Describe() string {
	s := j.Schedule
	if j.TZ != "" {
		s += " (" + j.TZ + ")"
	}
	if j.User != "" {
		s += " as " + j.User
	}
	return fmt.Sprintf("%s: %s", s, j.Command)
}

// LocalZone is the IANA name of the time zone cron runs jobs in when a
// crontab sets no CRON_TZ: $TZ, else the zone /etc/localtime links to,
// else /etc/timezone; "" when none says.
func LocalZone(getenv func(string) string, readlink func(string) (string, error), readFile func(string) ([]byte, error)) string {
	if tz := strings.TrimPrefix(getenv("TZ"), ":"); tz != "" && !strings.HasPrefix(tz, "/") {
		return tz
	}
	if target, err := readlink("/etc/localtime"); err == nil {
		if _, zone, ok := strings.Cut(target, "zoneinfo/"); ok && zone != "" {
			return zone
		}
	}
	if b, err := readFile("/etc/timezone"); err == nil {
		if zone := strings.TrimSpace(string(b)); zone != "" {
			return zone
		}
	}
	return ""
}
