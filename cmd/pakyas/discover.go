package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/config"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/crontab"
	"github.com/pakyas/pakyas/core/importer"
	"github.com/pakyas/pakyas/internal/atomicfile"
	"github.com/urfave/cli/v3"
)

func discoverCommand(e *env) *cli.Command {
	return leaf("discover", "find the jobs of a crontab, create a check for each and wrap them with pakyas monitor",
		"pakyas discover [--crontab FILE] [--system] [--dry-run] [--yes]\n\n"+
			"Reads your crontab (crontab -l), or FILE (/etc/crontab and /etc/cron.d/* have a user column),\n"+
			"creates a check per job with the line's schedule and time zone in the selected project, and\n"+
			"rewrites each job as 'pakyas monitor SLUG -- COMMAND'. Comments, environment lines and\n"+
			"wrapped jobs are kept; a backup is saved first; running it again changes nothing.\n\n"+
			"Examples:\n  pakyas discover --dry-run\n  pakyas discover --crontab /etc/cron.d/backups --yes",
		e.discover,
		&cli.StringFlag{Name: "crontab", Usage: "a crontab file instead of yours (crontab -l)"},
		&cli.BoolFlag{Name: "system", Usage: "the file has a user column (the default for /etc/crontab and /etc/cron.d/*)"},
		&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and the rewritten crontab; change nothing"},
		&cli.BoolFlag{Name: "yes", Usage: "do not ask before creating the checks and writing the crontab"},
	)
}

// discoverJob is one job of the crontab and what discover does with it.
type discoverJob struct {
	Line     int    `json:"line"`
	Schedule string `json:"schedule"`
	TZ       string `json:"tz,omitempty"`
	Command  string `json:"command"`
	Slug     string `json:"slug,omitempty"`
	Action   string `json:"action"` // create, update, keep (already wrapped), skip
	Why      string `json:"why,omitempty"`
}

func (e *env) discover(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Present() {
		return usagef("unexpected arguments %q: give a file with --crontab FILE", cmd.Args().Slice())
	}
	file := cmd.String("crontab")
	text, err := readCrontab(ctx, file)
	if err != nil {
		return err
	}
	system := cmd.Bool("system") || file == "/etc/crontab" || strings.HasPrefix(filepath.Clean(file), "/etc/cron.d/")
	sc, err := e.scope(ctx, cmd)
	if err != nil {
		return err
	}
	pakyas, err := os.Executable()
	if err != nil {
		return fmt.Errorf("where is pakyas? %w", err)
	}
	zone := crontab.LocalZone(e.getenv, os.Readlink, os.ReadFile)

	lines := crontab.Parse(text, system)
	var jobs []discoverJob
	var candidates []importer.Candidate
	// The slugs of jobs already wrapped are taken: a new job gets one of
	// its own, never another job's check.
	existing, err := sc.client.Checks(ctx, sc.project.ID)
	if err != nil {
		return sc.s.apiErr(err)
	}
	used := map[string]bool{}
	for _, l := range lines {
		switch {
		case l.Job == nil:
		case l.Job.WrappedSlug != "":
			used[l.Job.WrappedSlug] = true
		case l.Job.WrappedID != "":
			// A line wrapped by public ID (another user's job): its
			// check's slug is taken too.
			for _, c := range existing {
				if strings.EqualFold(c.PublicID, l.Job.WrappedID) {
					used[c.Slug] = true
				}
			}
		}
	}
	me := sync.OnceValue(currentUser) // only a system crontab names users
	// others are the jobs (by line) that run as another user: rewritten
	// once their check's public ID is known.
	others := map[int]int{} // line index → index in candidates
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
		j := l.Job
		if j == nil {
			continue
		}
		d := discoverJob{Line: i + 1, Schedule: j.Schedule, TZ: j.TZ, Command: j.Command}
		switch {
		case j.Wrapped:
			d.Action, d.Why = "keep", "already runs under pakyas monitor"
		case j.Skip != "":
			d.Action, d.Why = "skip", j.Skip
		default:
			base := crontab.Slug(j.Command)
			slug := base
			for n := 2; used[slug]; n++ {
				slug = importer.Suffixed(base, n)
			}
			used[slug] = true
			d.Slug = slug
			tz := j.TZ
			if tz == "" {
				tz = zone
			}
			if tz == "" {
				tz = "UTC"
				d.Why = "no CRON_TZ and no local time zone found: UTC assumed"
			}
			d.TZ = tz
			name, cron := slug, j.Schedule
			if j.User != "" && j.User != me() {
				others[i] = len(candidates)
				d.Why = strings.TrimPrefix(d.Why+"; runs as "+j.User+": the line names the check by its public ID", "; ")
			}
			candidates = append(candidates, importer.Candidate{Source: slug,
				Input: api.CheckInput{Name: &name, Slug: &d.Slug, Cron: &cron, TZ: &d.TZ}})
			out[i] = crontab.Wrap(l.Text, j, pakyas, slug)
		}
		jobs = append(jobs, d)
	}
	steps := importer.Plan(candidates, existing)
	// A job that runs as another user is named by its check's public ID
	// (that user has no pakyas login): known now for a check that
	// exists, after Apply for one to create.
	rewrite := func() string {
		for i, k := range others {
			id := "PUBLIC_ID_OF_" + *candidates[k].Input.Slug // a dry run's placeholder
			switch s := steps[k]; {
			case s.Result != nil:
				id = s.Result.PublicID
			case s.Existing != nil:
				id = s.Existing.PublicID
			}
			out[i] = crontab.WrapAs(lines[i].Text, lines[i].Job, pakyas, sc.s.APIURL.Value, id)
		}
		if len(lines) == 0 {
			return ""
		}
		return strings.Join(out, "\n") + "\n"
	}
	rewritten := rewrite()
	for i, k := 0, 0; i < len(jobs); i++ {
		if jobs[i].Slug != "" {
			jobs[i].Action = string(steps[k].Action)
			if steps[k].Action == importer.Update {
				jobs[i].Why = strings.TrimPrefix(jobs[i].Why+"; the check exists: its schedule is set from the line", "; ")
			}
			k++
		}
	}
	where := "your crontab"
	if file != "" {
		where = file
	}
	o := e.output(sc.s)
	show := func() error {
		return o.show(map[string]any{"crontab": where, "jobs": jobs, "rewritten": rewritten, "dry_run": cmd.Bool("dry-run")}, func(o *output) {
			o.printf("Jobs in %s (project %q):\n", where, sc.project.Name)
			t := &console.Table{Head: []string{"LINE", "SCHEDULE", "SLUG", "ACTION", "COMMAND", "NOTE"}}
			for _, j := range jobs {
				sched := j.Schedule
				if j.TZ != "" {
					sched += " " + j.TZ
				}
				t.AddText(strconv.Itoa(j.Line), sched, console.OrDash(j.Slug), j.Action, console.OneLine(j.Command, 50), console.OrDash(j.Why))
			}
			o.table(t)
			if cmd.Bool("dry-run") {
				o.printf("\nThe crontab would become (dry run, nothing changed):\n%s", console.Painted(console.Text(rewritten)))
			}
		})
	}
	if err := show(); err != nil {
		return err
	}
	if len(candidates) == 0 {
		if !o.json {
			o.printf("Nothing to do: no job to wrap.\n")
		}
		return nil
	}
	if cmd.Bool("dry-run") {
		return nil
	}
	if !cmd.Bool("yes") {
		if !isTerminal(e.stdin) {
			return usagef("discover writes %s: pass --yes to do it without asking, or --dry-run to see it first", where)
		}
		fmt.Fprintf(e.stderr, "Create or update %d checks and rewrite %s? [y/N] ", len(candidates), where)
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return withCode(exitError, "nothing changed", "run it again and answer y, or pass --yes")
		}
	}
	if failed := importer.Apply(ctx, sc.client, sc.project.ID, steps); failed > 0 {
		for _, s := range steps {
			if s.Err != nil {
				console.Error(e.stderr, s.Err.Error(), "")
			}
		}
		return fmt.Errorf("%d checks could not be made; the crontab was not changed", failed)
	}
	e.cacheEdit(sc, func(checks map[string]string) {
		for _, s := range steps {
			if s.Result != nil {
				checks[s.Result.Slug] = s.Result.PublicID
			}
		}
	})
	rewritten = rewrite()
	backup, err := e.backupCrontab(file, text)
	if err != nil {
		return fmt.Errorf("saving a backup of %s first: %w; the crontab was not changed", where, err)
	}
	if err := writeCrontab(ctx, file, rewritten); err != nil {
		return fmt.Errorf("writing %s: %w (the original is in %s)", where, err, backup)
	}
	if !o.json {
		o.printf("Rewrote %s: %d jobs now run under pakyas monitor. The original is in %s.\n", where, len(candidates), backup)
	}
	return nil
}

// readCrontab reads file, or the user's crontab with crontab -l ("" when
// they have none).
func readCrontab(ctx context.Context, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", withCode(exitError, fmt.Sprintf("cannot read the crontab: %v", err), "give a crontab file with --crontab FILE, or leave it out for yours")
		}
		return string(b), nil
	}
	var stdout, stderr bytes.Buffer
	c := exec.CommandContext(ctx, "crontab", "-l")
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(stderr.String(), "no crontab") {
			return "", nil
		}
		return "", withCode(exitError, fmt.Sprintf("crontab -l: %v %s", err, strings.TrimSpace(stderr.String())), "give a crontab file with --crontab FILE")
	}
	return stdout.String(), nil
}

// backupCrontab saves text in $XDG_STATE_HOME/pakyas/crontab-backups (0600),
// not next to the file: cron would run a copy left in /etc/cron.d.
func (e *env) backupCrontab(file, text string) (string, error) {
	state, err := config.StateDirFrom(e.getenv)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(state, "crontab-backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	name := "crontab"
	if file != "" {
		name = filepath.Base(file)
	}
	// Never over an earlier backup (two runs within a second).
	base := filepath.Join(dir, name+"."+time.Now().UTC().Format("20060102T150405Z"))
	p := base
	for n := 2; ; n++ {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			break
		}
		p = base + "-" + strconv.Itoa(n)
	}
	return p, atomicfile.Write(p, []byte(text), 0o600)
}

// writeCrontab writes text to file, keeping its mode, or installs it as the
// user's crontab with crontab(1).
func writeCrontab(ctx context.Context, file, text string) error {
	if file != "" {
		mode := os.FileMode(0o644)
		if fi, err := os.Stat(file); err == nil {
			mode = fi.Mode().Perm()
		}
		return atomicfile.Write(file, []byte(text), mode)
	}
	c := exec.CommandContext(ctx, "crontab", "-")
	c.Stdin = strings.NewReader(text)
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("crontab -: %v %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// currentUser is the name of the user pakyas runs as ("" when unknown).
func currentUser() string {
	u, err := osuser.Current()
	if err != nil {
		return ""
	}
	return u.Username
}
