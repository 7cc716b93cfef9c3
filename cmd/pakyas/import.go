package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/console"
	"github.com/pakyas/pakyas/core/importer"
	"github.com/urfave/cli/v3"
)

func importCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "bring the checks of another monitoring service into the selected project",
		UsageText: `pakyas import healthchecks|cronitor --api-key KEY [--api-url URL] [--dry-run]

Examples:
  pakyas import healthchecks --api-key "$HC_API_KEY" --dry-run
  pakyas import healthchecks --api-key "$HC_API_KEY" --api-url https://hc.example.com
  pakyas import cronitor --api-key "$CRONITOR_API_KEY"`,
		Action: groupAction,
		Commands: []*cli.Command{
			leaf("healthchecks", "import every check of a healthchecks.io (or self-hosted Healthchecks) project; they keep their UUIDs, so ping lines only change their base URL",
				"pakyas import healthchecks --api-key KEY [--api-url URL] [--dry-run]\n\n"+
					"KEY is the project's API key (Healthchecks: Settings → API Access; read-write keeps the UUIDs).\n"+
					"Running it again updates the checks it made (matched by UUID, then slug).\n\n"+
					"Example:\n  pakyas import healthchecks --api-key \"$HC_API_KEY\" --dry-run",
				e.importFrom("Healthchecks", importer.FetchHealthchecks),
				importFlags("the Healthchecks project's API key (not a Pakyas key)", "the Healthchecks site", importer.DefaultHealthchecksURL)...,
			),
			leaf("cronitor", "import the job and heartbeat monitors of a Cronitor account (uptime checks are skipped, and listed)",
				"pakyas import cronitor --api-key KEY [--api-url URL] [--dry-run]\n\n"+
					"KEY is a Cronitor API key (Settings → API Keys). Each monitor's key becomes the check's slug,\n"+
					"its schedule (cron and time zone, or \"every N minutes\") and grace carry over.\n"+
					"Running it again updates the checks it made (matched by slug).\n\n"+
					"Example:\n  pakyas import cronitor --api-key \"$CRONITOR_API_KEY\" --dry-run",
				e.importFrom("Cronitor", importer.FetchCronitor),
				importFlags("the Cronitor API key (not a Pakyas key)", "Cronitor's API site", importer.DefaultCronitorURL)...,
			),
		},
	}
}

// importFlags are the flags of every `pakyas import SERVICE`.
func importFlags(keyUsage, urlUsage, defaultURL string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "api-key", Usage: keyUsage, Required: true},
		&cli.StringFlag{Name: "api-url", Usage: urlUsage, Value: defaultURL},
		&cli.BoolFlag{Name: "dry-run", Usage: "print the plan and change nothing"},
	}
}

// importFrom is the action of `pakyas import SERVICE`: fetch reads the
// service's checks with its --api-key from --api-url.
func (e *env) importFrom(service string, fetch func(ctx context.Context, hc *http.Client, baseURL, key string) ([]importer.Candidate, error)) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Present() {
			return usagef("unexpected arguments %q: the key goes in --api-key", cmd.Args().Slice())
		}
		sc, err := e.scope(ctx, cmd)
		if err != nil {
			return err
		}
		hc := &http.Client{Timeout: 30 * time.Second}
		candidates, err := fetch(ctx, hc, cmd.String("api-url"), cmd.String("api-key"))
		if err != nil {
			return err
		}
		return e.runImport(ctx, sc, service, candidates, cmd.Bool("dry-run"))
	}
}

// importReport is what `pakyas import` prints with --format json.
type importReport struct {
	DryRun bool         `json:"dry_run"`
	Steps  []importLine `json:"steps"`
}

type importLine struct {
	Source   string     `json:"source"`
	Action   string     `json:"action"`
	Why      string     `json:"why"`
	Slug     string     `json:"slug,omitempty"`
	PublicID string     `json:"public_id,omitempty"`
	Notes    []string   `json:"notes,omitempty"`
	Error    string     `json:"error,omitempty"`
	Check    *api.Check `json:"check,omitempty"`
}

// runImport plans the candidates against the project's checks, carries the
// plan out unless dryRun, and prints what was (or would be) created,
// updated and skipped.
func (e *env) runImport(ctx context.Context, sc *scope, service string, candidates []importer.Candidate, dryRun bool) error {
	existing, err := sc.client.Checks(ctx, sc.project.ID)
	if err != nil {
		return sc.s.apiErr(err)
	}
	steps := importer.Plan(candidates, existing)
	failed := 0
	if !dryRun {
		failed = importer.Apply(ctx, sc.client, sc.project.ID, steps)
		e.cacheEdit(sc, func(checks map[string]string) {
			for _, s := range steps {
				if s.Result != nil {
					checks[s.Result.Slug] = s.Result.PublicID
				}
			}
		})
	}
	rep := importReport{DryRun: dryRun}
	for _, s := range steps {
		l := importLine{Source: s.Source, Action: string(s.Action), Why: s.Why, Notes: s.Notes, Check: s.Result}
		if s.Input.Slug != nil {
			l.Slug = *s.Input.Slug
		}
		if s.Input.PublicID != nil {
			l.PublicID = *s.Input.PublicID
		}
		if s.Err != nil {
			l.Error = s.Err.Error()
		}
		rep.Steps = append(rep.Steps, l)
	}
	if err := e.output(sc.s).show(rep, func(o *output) {
		verb := "Imported"
		if dryRun {
			verb = "Would import (dry run, nothing changed)"
		}
		o.printf("%s from %s into project %q:\n", verb, service, sc.project.Name)
		t := &console.Table{Head: []string{"ACTION", "SLUG", "FROM", "WHY", "NOTES"}}
		for _, l := range rep.Steps {
			action := l.Action
			if l.Error != "" {
				action = "FAILED"
			}
			notes := strings.Join(l.Notes, "; ")
			if l.Error != "" {
				notes = l.Error
			}
			t.AddText(action, console.OrDash(l.Slug), l.Source, l.Why, console.OrDash(notes))
		}
		o.table(t)
		counts := map[importer.Action]int{}
		for _, s := range steps {
			if s.Err == nil {
				counts[s.Action]++
			}
		}
		o.printf("%d to create, %d to update, %d skipped", counts[importer.Create], counts[importer.Update], counts[importer.Skip])
		if failed > 0 {
			o.printf(", %d failed", failed)
		}
		if dryRun {
			o.printf(". Run it again without --dry-run to make the changes.\n")
		} else {
			o.printf(". docs/migrating.md says how to point the jobs at %s.\n", strings.TrimRight(sc.s.APIURL.Value, "/"))
		}
	}); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks could not be imported (see the table)", failed, len(steps))
	}
	return nil
}
