package importer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
)

func TestHealthchecksCandidate(t *testing.T) {
	timeout := int64(60)
	for _, tc := range []struct {
		name   string
		in     hcCheck
		slug   string
		id     string
		skip   string
		note   string
		paused bool
	}{
		{"read-write key keeps the UUID", hcCheck{Name: "A", Slug: "a", Timeout: &timeout, PingURL: "https://hc-ping.com/31365bce-8b5b-4a4c-9ea0-bd03cb2a9e5a"},
			"a", "31365bce-8b5b-4a4c-9ea0-bd03cb2a9e5a", "", "", false},
		{"read-only key: a new ping URL, said so", hcCheck{Name: "A", Slug: "a", Timeout: &timeout, UniqueKey: "x"},
			"a", "", "", "read-only API key", false},
		{"no slug: made from the name", hcCheck{Name: "Nightly DB Backup!", Timeout: &timeout, PingURL: "https://hc-ping.com/31365bce-8b5b-4a4c-9ea0-bd03cb2a9e5a"},
			"nightly-db-backup", "31365bce-8b5b-4a4c-9ea0-bd03cb2a9e5a", "", "", false},
		{"paused stays paused", hcCheck{Name: "P", Slug: "p", Timeout: &timeout, Status: "paused"}, "p", "", "", "", true},
		{"no schedule: skipped with the reason", hcCheck{Name: "S", Slug: "s"}, "s", "", "neither a period", "", false},
		{"OnCalendar: skipped with the reason", hcCheck{Name: "O", Slug: "o", Schedule: "Mon..Fri 09:00", TZ: "UTC"},
			"o", "", `schedule "Mon..Fri 09:00" is a systemd OnCalendar expression`, "", false},
		{"OnCalendar by its kind", hcCheck{Name: "O", Slug: "o", Kind: "oncalendar", Schedule: "daily"}, "o", "", "OnCalendar", "", false},
		{"cron by its kind", hcCheck{Name: "C", Slug: "c", Kind: "cron", Schedule: "0 5 * * *"}, "c", "", "", "", false},
		{"cron by its form", hcCheck{Name: "C", Slug: "c", Schedule: "*/5 * * * 1-5"}, "c", "", "", "", false},
		{"nothing to make a slug of: skipped", hcCheck{Name: "!!!", Timeout: &timeout}, "", "", "no usable slug", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := healthchecksCandidate(tc.in)
			if tc.skip != "" {
				assert.Contains(t, c.Skip, tc.skip)
				return
			}
			require.Empty(t, c.Skip)
			assert.Equal(t, tc.slug, *c.Input.Slug)
			if tc.id != "" {
				assert.Equal(t, tc.id, *c.Input.PublicID)
			} else {
				assert.Nil(t, c.Input.PublicID)
			}
			if tc.note != "" {
				assert.Contains(t, c.Notes[0], tc.note)
			}
			assert.Equal(t, tc.paused, c.Paused)
		})
	}
}

func TestPlanMatchesByUUIDThenSlug(t *testing.T) {
	id, slug, other := "31365bce-8b5b-4a4c-9ea0-bd03cb2a9e5a", "b", "c"
	existing := []api.Check{{ID: "1", PublicID: id, Slug: "renamed"}, {ID: "2", PublicID: "x", Slug: slug}}
	steps := Plan([]Candidate{
		{Source: "by uuid", Input: api.CheckInput{PublicID: &id, Slug: &other}},
		{Source: "by slug", Input: api.CheckInput{Slug: &slug}},
		{Source: "new", Input: api.CheckInput{Slug: &other}},
		{Source: "skipped", Skip: "why"},
	}, existing)
	require.Len(t, steps, 4)
	assert.Equal(t, Update, steps[0].Action)
	assert.Equal(t, "1", steps[0].Existing.ID)
	assert.Equal(t, Update, steps[1].Action)
	assert.Equal(t, "2", steps[1].Existing.ID)
	assert.Equal(t, Create, steps[2].Action)
	assert.Equal(t, Skip, steps[3].Action)
	assert.Equal(t, "why", steps[3].Why)
}

func TestEveryPeriod(t *testing.T) {
	for s, want := range map[string]int64{"every 5 minutes": 300, "every 1 min": 60, "every hour": 3600, "every 2 hours": 7200,
		"every day": 86400, "Every 30 seconds": 30, "every 1 week": 604800} {
		got, ok := everyPeriod(s)
		assert.True(t, ok, s)
		assert.Equal(t, want, got, s)
	}
	for _, s := range []string{"", "0 3 * * *", "every", "every 0 minutes", "every 5 fortnights", "every day at 4:00 am"} {
		_, ok := everyPeriod(s)
		assert.False(t, ok, s)
	}
}

func TestCronitorCandidate(t *testing.T) {
	grace := int64(30)
	c := cronitorCandidate(crMonitor{Key: "k", Type: "job", Schedules: []string{"0 1 * * *", "0 2 * * *"}, GraceSeconds: &grace})
	require.Empty(t, c.Skip)
	assert.Equal(t, "0 1 * * *", *c.Input.Cron)
	assert.Equal(t, "UTC", *c.Input.TZ)
	assert.Contains(t, c.Notes, "only the first of 2 schedules imported")
	assert.Contains(t, cronitorCandidate(crMonitor{Key: "k", Type: "job"}).Skip, "no schedule")
	assert.Contains(t, cronitorCandidate(crMonitor{Key: "k", Type: "job", Schedule: "every day at 4:00 am"}).Skip, "neither a cron expression")
	assert.Contains(t, cronitorCandidate(crMonitor{Key: "k", Type: "site"}).Skip, "site monitor")
}

// TestPlanSharedSlugs: two candidates with one slug (Healthchecks allows
// it) both come over, the second with a free suffix; a slug never takes a
// check another step updates or whose UUID is another candidate's; a
// re-run matches every check as the first run made it.
func TestPlanSharedSlugs(t *testing.T) {
	const u1, u2, u3 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"
	cand := func(slug, id string) Candidate {
		c := Candidate{Source: slug + " " + id, Input: api.CheckInput{Slug: &slug}}
		if id != "" {
			c.Input.PublicID = &id
		}
		return c
	}
	long := strings.Repeat("a", 100)
	for _, tc := range []struct {
		name       string
		candidates []Candidate
		existing   []api.Check
		want       []string // action, the check updated, the slug
	}{
		{"first run: the second gets -2", []Candidate{cand("s", u1), cand("s", u2)}, nil,
			[]string{"create - s", "create - s-2"}},
		{"re-run by UUID", []Candidate{cand("s", u1), cand("s", u2)},
			[]api.Check{{ID: "1", PublicID: u1, Slug: "s"}, {ID: "2", PublicID: u2, Slug: "s-2"}},
			[]string{"update 1 s", "update 2 s-2"}},
		{"re-run by UUID, listed the other way round", []Candidate{cand("s", u2), cand("s", u1)},
			[]api.Check{{ID: "1", PublicID: u1, Slug: "s"}, {ID: "2", PublicID: u2, Slug: "s-2"}},
			[]string{"update 2 s-2", "update 1 s"}},
		{"re-run without UUIDs (read-only key): by slug, in order", []Candidate{cand("s", ""), cand("s", "")},
			[]api.Check{{ID: "1", PublicID: "x", Slug: "s"}, {ID: "2", PublicID: "y", Slug: "s-2"}},
			[]string{"update 1 s", "update 2 s-2"}},
		{"a slug does not take the check another matched by UUID", []Candidate{cand("s", u1), cand("s", u2)},
			[]api.Check{{ID: "2", PublicID: u2, Slug: "s"}},
			[]string{"create - s-2", "update 2 s"}},
		{"nor a check whose UUID is another candidate's", []Candidate{cand("s", ""), cand("t", u2)},
			[]api.Check{{ID: "2", PublicID: u2, Slug: "s"}},
			[]string{"create - s-2", "update 2 t"}},
		{"a check of the project without an import's UUID is matched by slug", []Candidate{cand("s", u1)},
			[]api.Check{{ID: "9", PublicID: u3, Slug: "s"}},
			[]string{"update 9 s"}},
		{"a UUID match does not take another check's slug", []Candidate{cand("s", u1)},
			[]api.Check{{ID: "1", PublicID: u1, Slug: "old"}, {ID: "9", PublicID: u3, Slug: "s"}},
			[]string{"update 1 s-2"}},
		{"three of one slug, -2 taken", []Candidate{cand("s", ""), cand("s", ""), cand("s", "")},
			[]api.Check{{ID: "9", PublicID: u3, Slug: "s-2"}},
			[]string{"create - s", "update 9 s-2", "create - s-3"}},
		{"a suffix keeps a long slug valid", []Candidate{cand(long, ""), cand(long, "")}, nil,
			[]string{"create - " + long, "create - " + long[:98] + "-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps := Plan(tc.candidates, tc.existing)
			require.Len(t, steps, len(tc.want))
			var got []string
			for _, s := range steps {
				id := "-"
				if s.Existing != nil {
					id = s.Existing.ID
				}
				got = append(got, string(s.Action)+" "+id+" "+*s.Input.Slug)
				if *s.Input.Slug != *tc.candidates[len(got)-1].Input.Slug {
					assert.Contains(t, s.Notes, "slug "+*s.Input.Slug+": "+*tc.candidates[len(got)-1].Input.Slug+" is another check's")
				} else {
					assert.Empty(t, s.Notes)
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
