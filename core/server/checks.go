package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/status"
)

// Defaults of a new check, as healthchecks.io: a daily job with an hour of
// grace.
const (
	defaultPeriod = 24 * time.Hour
	defaultGrace  = time.Hour
)

// How much history GET of one check embeds.
const (
	showSignals  = 10
	showTimeline = 20
)

func (s *Server) project(ctx context.Context, c *caller, id string) (*core.Project, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound("project").WithHint("projects are addressed by ID; list them with GET /api/v1/me")
	}
	p, err := s.store.Project(ctx, id)
	if core.IsNotFound(err) || (err == nil && !c.inOrg(p.OrgID)) {
		return nil, notFound("project")
	}
	return p, err
}

// check finds a check by ID or public ID among the caller's organizations.
func (s *Server) check(ctx context.Context, c *caller, ref string) (*core.Check, error) {
	if _, err := uuid.Parse(ref); err != nil {
		return nil, notFound("check").WithHint("here a check is addressed by ID or public_id; by slug use /api/v1/projects/{project}/checks/{slug}")
	}
	ch, err := s.store.Check(ctx, ref)
	if core.IsNotFound(err) {
		ch, err = s.store.CheckByPublicID(ctx, ref)
	}
	if core.IsNotFound(err) || (err == nil && !c.inOrg(ch.OrgID)) {
		return nil, notFound("check")
	}
	return ch, err
}

func (s *Server) checkInProject(ctx context.Context, c *caller, projectID, ref string) (*core.Check, error) {
	p, err := s.project(ctx, c, projectID)
	if err != nil {
		return nil, err
	}
	if _, perr := uuid.Parse(ref); perr == nil {
		ch, err := s.check(ctx, c, ref)
		if err != nil || ch.ProjectID != p.ID {
			return nil, notFound("check")
		}
		return ch, nil
	}
	ch, err := s.store.CheckBySlug(ctx, p.ID, ref)
	if core.IsNotFound(err) {
		return nil, core.Errorf(core.ENOTFOUND, "check %q not found in project %q", ref, p.Name).
			WithHint("%s", notFoundHints["check"])
	}
	return ch, err
}

func (s *Server) listChecks(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := s.project(r.Context(), c, r.PathValue("project"))
	if err != nil {
		return err
	}
	checks, err := s.store.Checks(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]api.Check, 0, len(checks))
	for i := range checks {
		out = append(out, s.apiCheck(&checks[i]))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createCheck(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := s.project(r.Context(), c, r.PathValue("project"))
	if err != nil {
		return err
	}
	var in api.CheckInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	now := s.clock.Now()
	ch := core.Check{
		ID:        uuid.NewString(),
		PublicID:  uuid.NewString(),
		OrgID:     p.OrgID,
		ProjectID: p.ID,
		Schedule:  core.Schedule{Kind: core.SchedulePeriod, Period: defaultPeriod, Grace: defaultGrace},
		CreatedAt: now,
		UpdatedAt: now,
		State:     status.NewState(now),
	}
	if in.Name == nil && in.Slug == nil {
		return invalid("a check needs a name or a slug").WithHint("set \"name\" (e.g. \"Nightly Backup\") and \"slug\" (e.g. \"nightly-backup\")")
	}
	if err := applyCheckInput(&ch, in); err != nil {
		return err
	}
	if err := s.setChannels(r.Context(), &ch, in.Channels); err != nil {
		return err
	}
	if err := s.setDependsOn(r.Context(), &ch, in.DependsOn); err != nil {
		return err
	}
	ch.State = status.Reschedule(&ch, now).State
	if err := s.store.CreateCheck(r.Context(), &ch); err != nil {
		return slugConflict(err, ch.Slug)
	}
	writeJSON(w, http.StatusCreated, s.apiCheck(&ch))
	return nil
}

// applyCheckInput sets the fields present in in, validating them.
func applyCheckInput(c *core.Check, in api.CheckInput) error {
	if in.Name != nil {
		name, err := validName("check", *in.Name)
		if err != nil {
			return err.(*core.Error).WithHint("set --name, e.g. --name \"Nightly Backup\"")
		}
		c.Name = name
	}
	if in.PublicID != nil {
		id := strings.ToLower(strings.TrimSpace(*in.PublicID))
		if !core.CanonicalUUID(id, false) {
			return invalid("invalid public_id %q: a public ID is a UUID like 550e8400-e29b-41d4-a716-446655440000", *in.PublicID)
		}
		c.PublicID = id
	}
	oldSlug := c.Slug
	if in.Slug != nil {
		c.Slug = *in.Slug
	} else if c.Slug == "" {
		c.Slug = core.Slugify(c.Name)
		if c.Slug == projectBadge {
			c.Slug += "-checks" // a check named "All" is not the project's badge
		}
	}
	if !core.ValidSlug(c.Slug) {
		return invalid("invalid slug %q: use 1 to 100 lowercase letters, digits, '-' and '_'", c.Slug).
			WithHint("e.g. --slug nightly-backup (no spaces, dots or capitals)")
	}
	if c.Slug == projectBadge && oldSlug != projectBadge { // a check made before the slug was reserved keeps it
		return invalid("the slug %q is reserved: /badge/<key>/%s.svg is the project's badge", c.Slug, projectBadge).
			WithHint("choose another slug, e.g. --slug all-jobs")
	}
	if c.Name == "" {
		c.Name = c.Slug
	}
	if in.Period != nil && in.Cron != nil {
		return invalid("a check has either a period or a cron schedule, not both").WithHint("pass --period or --cron, not both")
	}
	sch := c.Schedule
	if in.Period != nil {
		sch = core.Schedule{Kind: core.SchedulePeriod, Period: seconds(*in.Period), Grace: sch.Grace}
	}
	if in.Cron != nil && len(*in.Cron) > MaxCronLen {
		return invalid("cron expression is %d characters long, more than %d", len(*in.Cron), MaxCronLen).
			WithHint("a cron expression is five fields, e.g. --cron \"0 2 * * *\"")
	}
	if in.Cron != nil {
		// A new expression keeps the zone of a cron schedule (PATCH
		// changes only the fields present); a period had none.
		tz := "UTC"
		if sch.Kind == core.ScheduleCron && sch.TZ != "" {
			tz = sch.TZ
		}
		sch = core.Schedule{Kind: core.ScheduleCron, Cron: strings.TrimSpace(*in.Cron), TZ: tz, Grace: sch.Grace}
	}
	if in.TZ != nil {
		if sch.Kind != core.ScheduleCron {
			return invalid("a time zone applies only to a cron schedule").WithHint("pass --tz together with --cron")
		}
		if err := validZone(*in.TZ); err != nil {
			return err
		}
		sch.TZ = *in.TZ
	}
	if in.Grace != nil {
		sch.Grace = seconds(*in.Grace)
	}
	if in.RemindEvery != nil {
		d := seconds(*in.RemindEvery)
		if d < 0 || (d > 0 && d < time.Minute) || d > 365*24*time.Hour {
			return invalid("remind_every %d: seconds, 60 to a year, or 0 (off)", *in.RemindEvery)
		}
		c.RemindEvery = d
	}
	if in.AlertAfter != nil {
		if *in.AlertAfter < 0 || *in.AlertAfter > api.MaxAlertAfter {
			return invalid("alert_after %d: a number of failures in a row, 0 to %d", *in.AlertAfter, api.MaxAlertAfter)
		}
		c.AlertAfter = *in.AlertAfter
	}
	if in.MaxRuntime != nil {
		c.MaxRuntime = seconds(*in.MaxRuntime)
	}
	if err := status.ValidateSchedule(sch, c.MaxRuntime); err != nil {
		return err
	}
	c.Schedule = sch
	return nil
}

// MaxCronLen is the longest cron expression accepted.
const MaxCronLen = 100

// validZone accepts an IANA time zone name: not empty, not "Local" (the
// server's own zone, which another server would read differently).
func validZone(tz string) error {
	const hint = "use an IANA zone name such as Europe/Berlin, America/New_York or UTC"
	switch {
	case tz == "":
		return invalid("tz is empty").WithHint("%s; leave tz out for UTC", hint)
	case tz == "Local" || len(tz) > 64 || strings.ContainsAny(tz, "\\.:") && tz != "UTC":
		return invalid("tz %q is not an IANA time zone name", tz).WithHint(hint)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return invalid("tz %q: unknown time zone", tz).WithHint(hint)
	}
	return nil
}

// seconds converts a number of seconds from the API to a duration. Beyond
// what a Duration holds it saturates instead of wrapping around (a huge
// period must not become a valid small one), so validation refuses it.
func seconds(n int64) time.Duration {
	const limit = int64(math.MaxInt64 / time.Second)
	switch {
	case n > limit:
		return math.MaxInt64
	case n < -limit:
		return math.MinInt64
	}
	return time.Duration(n) * time.Second
}

func (s *Server) showCheck(w http.ResponseWriter, r *http.Request, ch *core.Check) error {
	out := s.apiCheck(ch)
	sigs, err := s.store.Timeline(r.Context(), ch.ID, core.TimelinePage{Limit: showSignals, Kinds: []core.EntryKind{core.EntrySignal}})
	if err != nil {
		return err
	}
	out.Signals = []api.Signal{}
	for i := range sigs {
		out.Signals = append(out.Signals, apiSignal(sigs[i].Signal, s.cfg.MaxSkew))
	}
	tl, err := s.store.Timeline(r.Context(), ch.ID, core.TimelinePage{Limit: showTimeline})
	if err != nil {
		return err
	}
	out.Timeline = []api.TimelineEntry{}
	for i := range tl {
		out.Timeline = append(out.Timeline, s.apiEntry(&tl[i]))
	}
	if ch.DependsOn != "" {
		if parent, err := s.store.Check(r.Context(), ch.DependsOn); err == nil {
			out.DependsOnSlug = parent.Slug
		}
	}
	if p, err := s.store.Project(r.Context(), ch.ProjectID); err == nil && p.BadgeKey != "" {
		out.BadgeURL = s.badgeURL(p.BadgeKey, ch.Slug)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getCheck(w http.ResponseWriter, r *http.Request, c *caller) error {
	ch, err := s.check(r.Context(), c, r.PathValue("ref"))
	if err != nil {
		return err
	}
	return s.showCheck(w, r, ch)
}

func (s *Server) getProjectCheck(w http.ResponseWriter, r *http.Request, c *caller) error {
	ch, err := s.checkInProject(r.Context(), c, r.PathValue("project"), r.PathValue("ref"))
	if err != nil {
		return err
	}
	return s.showCheck(w, r, ch)
}

// changeCheck loads a check in a write transaction, lets fn change it and
// records the status changes fn returns (with their alerts).
func (s *Server) changeCheck(r *http.Request, c *caller, fn func(ch *core.Check, now time.Time) (status.Result, error)) (*core.Check, error) {
	ch, err := s.check(r.Context(), c, r.PathValue("ref"))
	if err != nil {
		return nil, err
	}
	return s.changeCheckID(r, ch.ID, fn)
}

// changeCheckID is changeCheck for a check the caller was already allowed.
func (s *Server) changeCheckID(r *http.Request, id string, fn func(ch *core.Check, now time.Time) (status.Result, error)) (*core.Check, error) {
	var ch *core.Check
	var alerts int
	err := s.store.Update(r.Context(), func(q core.Queries) error {
		fresh, err := q.Check(r.Context(), id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		parent := fresh.DependsOn
		res, err := fn(fresh, now)
		if err != nil {
			return err
		}
		w := newWriter(r.Context(), s, q)
		w.checks[fresh.PublicID] = fresh // its dependents' decisions see its new state
		if parent != "" && fresh.DependsOn != parent {
			// An alert its old parent held is decided now, and says why.
			w.unheld[fresh.ID] = "it no longer depends on the check it depended on"
			if fresh.State.DepHeld != "" { // its slug, for the alert's words: no lock
				if p, err := s.store.Check(r.Context(), parent); err == nil {
					w.unheld[fresh.ID] = "it no longer depends on " + p.Slug
				} else if !core.IsNotFound(err) {
					return err
				}
			}
		}
		if err := w.apply(fresh, res, now, alertLive); err != nil {
			return err
		}
		if err := w.flush(); err != nil { // the timeline entries
			return err
		}
		fresh.UpdatedAt = now
		if err := q.UpdateCheck(r.Context(), fresh); err != nil {
			return slugConflict(err, fresh.Slug)
		}
		alerts, ch = w.alerts, fresh
		return nil
	})
	if err != nil {
		return nil, err
	}
	wake(s.evalWake)
	if alerts > 0 {
		wake(s.alertWake)
	}
	return ch, nil
}

func (s *Server) updateCheck(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in api.CheckInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ch, err := s.changeCheck(r, c, func(ch *core.Check, now time.Time) (status.Result, error) {
		if err := applyCheckInput(ch, in); err != nil {
			return status.Result{}, err
		}
		if err := s.setChannels(r.Context(), ch, in.Channels); err != nil {
			return status.Result{}, err
		}
		if err := s.setDependsOn(r.Context(), ch, in.DependsOn); err != nil {
			return status.Result{}, err
		}
		return status.Reschedule(ch, now), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.apiCheck(ch))
	return nil
}

func (s *Server) pauseCheck(w http.ResponseWriter, r *http.Request, c *caller) error {
	in, err := s.pauseInput(w, r)
	if err != nil {
		return err
	}
	ch, err := s.changeCheck(r, c, s.pauser(c, in, status.PauseUntil))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.apiCheck(ch))
	return nil
}

// maxPause is the longest timed pause.
const maxPause = 366 * 24 * time.Hour

// pauseInput reads a pause's optional body.
func (s *Server) pauseInput(w http.ResponseWriter, r *http.Request) (api.PauseInput, error) {
	// For is a pointer here so that an explicit 0 (often a script's
	// computed duration gone to zero) is refused rather than read as "no
	// end", which would leave the check paused for good.
	var body struct {
		api.PauseInput
		For *int64 `json:"for"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &body); err != nil {
			return body.PauseInput, err
		}
	}
	in := body.PauseInput
	if body.For != nil {
		in.For = *body.For
	}
	switch {
	case body.For != nil && in.For == 0:
		return in, invalid("for 0: a pause lasts 1 second to a year (seconds)").
			WithHint("leave for out for a pause with no end (until a resume)")
	case in.For < 0 || in.For > int64(maxPause/time.Second): // in seconds: a Duration would wrap
		return in, invalid("for %d: a pause lasts 1 second to a year (seconds)", in.For).
			WithHint("pass --for from 1s to 366d, or --until a time within a year")
	case in.For > 0 && in.Until != nil:
		return in, invalid("give for or until, not both")
	case in.Until != nil && !in.Until.After(s.clock.Now()):
		return in, invalid("until %s is not in the future", in.Until.UTC().Format(time.RFC3339))
	case in.Until != nil && in.Until.Sub(s.clock.Now()) > maxPause:
		return in, invalid("until %s is more than a year away", in.Until.UTC().Format(time.RFC3339))
	}
	if len(in.Reason) > 200 {
		return in, invalid("reason is %d characters long, more than 200", len(in.Reason))
	}
	if i := strings.IndexFunc(in.Reason, unicode.IsControl); i >= 0 {
		return in, invalid("reason %q holds a control character (%U)", in.Reason, []rune(in.Reason[i:])[0]).
			WithHint("a reason is one line of printable text")
	}
	return in, nil
}

// pauser is the change of a pause, made by pause (status.PauseUntil or
// status.ExtendPause): until its end if it has one, with who paused it,
// until when and why in the timeline.
func (s *Server) pauser(c *caller, in api.PauseInput, pause func(c *core.Check, now, until time.Time, reason string) status.Result) func(ch *core.Check, now time.Time) (status.Result, error) {
	return func(ch *core.Check, now time.Time) (status.Result, error) {
		var until time.Time
		switch {
		case in.For > 0:
			until = now.Add(time.Duration(in.For) * time.Second).UTC()
		case in.Until != nil:
			until = in.Until.UTC()
		}
		reason := "paused by " + c.user.Email
		if !until.IsZero() {
			reason += " until " + until.UTC().Format("2006-01-02 15:04 UTC")
		}
		if r := strings.TrimSpace(in.Reason); r != "" {
			reason += ": " + r
		}
		return pause(ch, now, until, reason), nil
	}
}

func (s *Server) resumeCheck(w http.ResponseWriter, r *http.Request, c *caller) error {
	ch, err := s.changeCheck(r, c, func(ch *core.Check, now time.Time) (status.Result, error) {
		return status.Resume(ch, now), nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.apiCheck(ch))
	return nil
}

func (s *Server) deleteCheck(w http.ResponseWriter, r *http.Request, c *caller) error {
	ch, err := s.check(r.Context(), c, r.PathValue("ref"))
	if err != nil {
		return err
	}
	var alerts int
	err = s.store.Update(r.Context(), func(q core.Queries) error {
		if err := q.DeleteCheck(r.Context(), ch.ID); err != nil {
			return err
		}
		// The checks that depend on it wait for it no more: an alert it
		// held is decided now.
		wr := newWriter(r.Context(), s, q)
		wr.gone[ch.ID] = true
		if err := wr.releaseDependents(ch, s.clock.Now(), ch.Slug+" was deleted"); err != nil {
			return err
		}
		alerts = wr.alerts
		return wr.flush()
	})
	if err != nil {
		return err
	}
	if alerts > 0 {
		wake(s.alertWake)
	}
	wake(s.evalWake)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// slugConflict adds a hint to a duplicate-slug error.
func slugConflict(err error, slug string) error {
	if core.ErrorCode(err) != core.ECONFLICT {
		return err
	}
	if strings.Contains(core.ErrorMessage(err), "public id") {
		// Not which organization has it: public IDs are global.
		return core.Errorf(core.ECONFLICT, "that public_id is taken by another check").
			WithHint("leave public_id out for a new random one")
	}
	return core.Errorf(core.ECONFLICT, "check slug %q already exists in this project", slug).
		WithHint("choose another --slug, or change the existing check with 'pakyas check update %s'", slug)
}

// pauseProject pauses every check of a project (a deploy window), with the
// body of a check's pause: for, until, reason. The window only lengthens
// pauses: a check already paused with no end, or until later, keeps its
// own pause and reason rather than resuming when the window closes.
func (s *Server) pauseProject(w http.ResponseWriter, r *http.Request, c *caller) error {
	in, err := s.pauseInput(w, r)
	if err != nil {
		return err
	}
	if in.For > 0 {
		// One end for the whole window, not one per check's transaction.
		until := s.clock.Now().Add(time.Duration(in.For) * time.Second).UTC()
		in.For, in.Until = 0, &until
	}
	return s.changeProject(w, r, c, in.Until, s.pauser(c, in, status.ExtendPause))
}

// resumeProject resumes every paused check of a project.
func (s *Server) resumeProject(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.changeProject(w, r, c, nil, func(ch *core.Check, now time.Time) (status.Result, error) {
		return status.Resume(ch, now), nil
	})
}

// changeProject applies fn to every check of the project and answers with
// them, and with until, the window's end of a timed pause.
func (s *Server) changeProject(w http.ResponseWriter, r *http.Request, c *caller, until *time.Time, fn func(ch *core.Check, now time.Time) (status.Result, error)) error {
	p, err := s.project(r.Context(), c, r.PathValue("project"))
	if err != nil {
		return err
	}
	checks, err := s.store.Checks(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := api.PauseResult{Checks: []api.Check{}, Until: until}
	for _, ch := range checks {
		changed, err := s.changeCheckID(r, ch.ID, fn)
		if err != nil {
			return err
		}
		out.Checks = append(out.Checks, s.apiCheck(changed))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// setChannels sets the channels that alert for c from names: channel
// names or IDs of c's organization, or "all", or "none"; nil changes
// nothing.
func (s *Server) setChannels(ctx context.Context, c *core.Check, names *[]string) error {
	if names == nil {
		return nil
	}
	switch {
	case len(*names) == 1 && (*names)[0] == "all":
		c.Channels = nil
		return nil
	case len(*names) == 1 && (*names)[0] == "none":
		c.Channels = []string{}
		return nil
	}
	chs, err := s.store.Channels(ctx, c.OrgID)
	if err != nil {
		return err
	}
	ids := []string{}
	for _, n := range *names {
		i := slices.IndexFunc(chs, func(ch core.Channel) bool { return ch.ID == n || strings.EqualFold(ch.Name, n) })
		if i < 0 {
			return notFound(fmt.Sprintf("channel %q", n)).WithHint("pakyas channel list shows the organization's channels; or use all or none")
		}
		if !slices.Contains(ids, chs[i].ID) {
			ids = append(ids, chs[i].ID)
		}
	}
	c.Channels = ids
	return nil
}

// setDependsOn sets the check c depends on from its slug (same project;
// "" for none): not c itself, and not one that depends on c, however
// indirectly.
func (s *Server) setDependsOn(ctx context.Context, c *core.Check, slug *string) error {
	if slug == nil {
		return nil
	}
	if *slug == "" {
		c.DependsOn = ""
		return nil
	}
	parent, err := s.store.CheckBySlug(ctx, c.ProjectID, *slug)
	if err != nil {
		if core.IsNotFound(err) {
			return notFound(fmt.Sprintf("check %q in this project", *slug)).WithHint("a check depends on a check of its own project: pakyas check list")
		}
		return err
	}
	if parent.ID == c.ID {
		return invalid("check %q cannot depend on itself", c.Slug).WithHint("name another check of the project, or --depends-on none")
	}
	for p, n := parent, 0; p != nil && n < 100; n++ {
		if p.ID == c.ID {
			return invalid("check %q cannot depend on %q: %q depends on it", c.Slug, *slug, *slug).WithHint("dependencies go one way; remove the other with --depends-on none")
		}
		if p.DependsOn == "" {
			break
		}
		if p, err = s.store.Check(ctx, p.DependsOn); err != nil {
			if core.IsNotFound(err) {
				break
			}
			return err
		}
	}
	c.DependsOn = parent.ID
	return nil
}
