// Package importer brings checks over from another monitoring service into
// a Pakyas project: it reads them from the service's API (Healthchecks),
// plans what to create, update or skip against the project's checks, and
// carries the plan out through the Pakyas API. Running it again updates
// rather than duplicates.
package importer

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pakyas/pakyas/core/api"
)

// Candidate is one check of the other service, as a Pakyas check.
type Candidate struct {
	// Source names it in the other service (its name, or its key).
	Source string
	Input  api.CheckInput // name, slug, schedule; PublicID when kept
	Paused bool
	// Skip says why it cannot be imported ("" when it can).
	Skip string
	// Notes are what does not carry over (a description, tags, ...).
	Notes []string
}

// Action is what the plan does with a candidate.
type Action string

// Actions.
const (
	Create Action = "create"
	Update Action = "update"
	Skip   Action = "skip"
)

// Step is one line of a plan.
type Step struct {
	Candidate
	Action Action
	// Existing is the Pakyas check an update changes.
	Existing *api.Check
	// Why says how the candidate was matched, or why it is skipped.
	Why string
	// Result is the check after Apply (nil for a skip or a dry run).
	Result *api.Check
	// Err is why Apply could not carry the step out.
	Err error
}

// Plan matches each candidate with the project's checks: by public ID
// (the other service's UUID), then by slug; a match is updated, anything
// else created. Candidates with a Skip reason are skipped.
//
// Each existing check is matched at most once, and a slug never matches
// a check whose public ID is another candidate's: that check is its. Two
// candidates with the same slug (Healthchecks allows it) cannot both have
// it: the first in the service's order keeps it and the next get the first
// free suffix, slug-2, slug-3, ..., said in their notes. Candidates matched
// by UUID choose their slugs first, so a re-run gives every check the slug
// it got before.
func Plan(candidates []Candidate, existing []api.Check) []Step {
	p := planner{byID: map[string]*api.Check{}, bySlug: map[string]*api.Check{},
		owned: map[string]bool{}, taken: map[string]bool{}, slugs: map[string]bool{}}
	for i := range existing {
		c := &existing[i]
		p.byID[c.PublicID] = c
		p.bySlug[c.Slug] = c
	}
	for _, c := range candidates {
		if c.Skip == "" && c.Input.PublicID != nil {
			p.owned[*c.Input.PublicID] = true
		}
	}
	steps := make([]Step, len(candidates))
	for i, c := range candidates {
		steps[i] = Step{Candidate: c}
		s := &steps[i]
		switch {
		case c.Skip != "":
			s.Action, s.Why = Skip, c.Skip
		case c.Input.PublicID != nil && p.byID[*c.Input.PublicID] != nil:
			s.Action, s.Existing, s.Why = Update, p.byID[*c.Input.PublicID], "same UUID"
			p.taken[s.Existing.ID] = true
		}
	}
	// UUID matches first: their checks keep the slugs they already have.
	for i := range steps {
		if s := &steps[i]; s.Existing != nil {
			p.slugFor(s)
		}
	}
	for i := range steps {
		if s := &steps[i]; s.Action == "" {
			p.slugFor(s)
		}
	}
	return steps
}

// planner is the bookkeeping of Plan.
type planner struct {
	byID, bySlug map[string]*api.Check
	owned        map[string]bool // public IDs the candidates bring
	taken        map[string]bool // IDs of the existing checks a step updates
	slugs        map[string]bool // slugs steps have chosen
}

// slugFor gives s the first free one of its slug, slug-2, slug-3, ...,
// and, when s is not matched yet, matches it by that slug or creates it.
// A slug is free when no other step chose it and no other check has it;
// an unmatched step may take over the check with it unless another step
// updates that check or its public ID is another candidate's.
func (p *planner) slugFor(s *Step) {
	base := *s.Input.Slug
	for n := 1; ; n++ {
		slug := Suffixed(base, n)
		if p.slugs[slug] {
			continue
		}
		c := p.bySlug[slug]
		switch {
		case s.Existing != nil && c != nil && c != s.Existing:
			continue
		case s.Existing == nil && c != nil:
			mine := s.Input.PublicID != nil && *s.Input.PublicID == c.PublicID
			if p.taken[c.ID] || (p.owned[c.PublicID] && !mine) {
				continue
			}
			s.Action, s.Existing, s.Why = Update, c, "same slug"
			p.taken[c.ID] = true
		case s.Existing == nil:
			s.Action, s.Why = Create, "new"
		}
		p.slugs[slug] = true
		if n > 1 {
			s.Input.Slug = &slug
			// Clipped: the candidate's notes are the caller's.
			s.Notes = append(slices.Clip(s.Notes), fmt.Sprintf("slug %s: %s is another check's", slug, base))
		}
		return
	}
}

// Suffixed returns slug for n == 1, else slug-n, cut short to stay a
// valid slug (at most 100 bytes): the one way Pakyas makes a slug unique.
func Suffixed(slug string, n int) string {
	if n == 1 {
		return slug
	}
	suffix := "-" + strconv.Itoa(n)
	if len(slug)+len(suffix) > 100 {
		slug = strings.TrimRight(slug[:100-len(suffix)], "-")
	}
	return slug + suffix
}

// Apply carries the plan out in projectID: creates, updates, and pauses
// or resumes as the service has the check, through client. A step that
// fails records its error and the rest go on; the number of failed steps
// is returned.
func Apply(ctx context.Context, client *api.Client, projectID string, steps []Step) int {
	failed := 0
	for i := range steps {
		s := &steps[i]
		var ch *api.Check
		var err error
		switch s.Action {
		case Skip:
			continue
		case Create:
			ch, err = client.CreateCheck(ctx, projectID, s.Input)
		case Update:
			in := s.Input
			if in.PublicID != nil && *in.PublicID == s.Existing.PublicID {
				in.PublicID = nil
			}
			ch, err = client.UpdateCheck(ctx, s.Existing.ID, in)
		}
		// The paused state follows the service's, both ways: a re-run
		// resumes a check the service no longer has paused.
		switch {
		case err != nil:
		case s.Paused && ch.Status != "paused":
			ch, err = client.PauseCheck(ctx, ch.ID)
		case !s.Paused && ch.Status == "paused":
			ch, err = client.ResumeCheck(ctx, ch.ID)
		}
		if err != nil {
			s.Err = fmt.Errorf("%s %q: %w", s.Action, s.Source, err)
			failed++
			continue
		}
		s.Result = ch
	}
	return failed
}
