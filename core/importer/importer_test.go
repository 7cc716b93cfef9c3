package importer

import (
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
