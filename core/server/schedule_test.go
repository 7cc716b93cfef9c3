package server_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
)

// TestPatchSchedule: PATCH changes only the fields present; a new cron
// expression keeps the check's time zone.
func TestPatchSchedule(t *testing.T) {
	tests := []struct {
		name string
		in   api.CheckInput
		want api.Schedule
	}{
		{"cron only keeps the time zone", api.CheckInput{Cron: ptr("0 4 * * *")},
			api.Schedule{Kind: "cron", Cron: "0 4 * * *", TZ: "Europe/Berlin", Grace: 3600}},
		{"tz only keeps the cron", api.CheckInput{TZ: ptr("America/New_York")},
			api.Schedule{Kind: "cron", Cron: "0 3 * * *", TZ: "America/New_York", Grace: 3600}},
		{"both", api.CheckInput{Cron: ptr("0 5 * * *"), TZ: ptr("UTC")},
			api.Schedule{Kind: "cron", Cron: "0 5 * * *", TZ: "UTC", Grace: 3600}},
		{"a period drops the cron and its zone", api.CheckInput{Period: ptr[int64](60)},
			api.Schedule{Kind: "period", Period: 60, Grace: 3600}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			_, c, p, _ := setup(t)
			ch, err := c.CreateCheck(ctx, p.ID, api.CheckInput{Name: ptr("Nightly"), Cron: ptr("0 3 * * *"), TZ: ptr("Europe/Berlin"), Grace: ptr[int64](3600)})
			require.NoError(t, err)
			got, err := c.UpdateCheck(ctx, ch.ID, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Schedule)
		})
	}
}
