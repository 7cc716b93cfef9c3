// Package importer brings checks over from another monitoring service into
// a Pakyas project: it reads them from the service's API (Healthchecks),
// plans what to create, update or skip against the project's checks, and
// carries the plan out through the Pakyas API. Running it again updates
// rather than duplicates.
package importer

import (
	"context"
	"fmt"

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
func Plan(candidates []Candidate, existing []api.Check) []Step {
	byID := map[string]*api.Check{}
	bySlug := map[string]*api.Check{}
	for i := range existing {
		c := &existing[i]
		byID[c.PublicID] = c
		bySlug[c.Slug] = c
	}
	steps := make([]Step, 0, len(candidates))
	for _, c := range candidates {
		s := Step{Candidate: c}
		switch {
		case c.Skip != "":
			s.Action, s.Why = Skip, c.Skip
		case c.Input.PublicID != nil && byID[*c.Input.PublicID] != nil:
			s.Action, s.Existing, s.Why = Update, byID[*c.Input.PublicID], "same UUID"
		case c.Input.Slug != nil && bySlug[*c.Input.Slug] != nil:
			s.Action, s.Existing, s.Why = Update, bySlug[*c.Input.Slug], "same slug"
		default:
			s.Action, s.Why = Create, "new"
		}
		steps = append(steps, s)
	}
	return steps
}

// Apply carries the plan out in projectID: creates, updates and pauses
// through client. A step that fails records its error and the rest go on;
// the number of failed steps is returned.
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
		if err == nil && s.Paused && ch.Status != "paused" {
			ch, err = client.PauseCheck(ctx, ch.ID)
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
