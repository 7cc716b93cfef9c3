package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/internal/testutil"
)

// bounceEnv drives one check of setup (period 1h, grace 5m).
type bounceEnv struct {
	t     *testing.T
	srv   *testutil.Server
	check *api.Check
	start time.Time
}

func (e bounceEnv) ping(path string) {
	e.t.Helper()
	code, body := ping(e.t, e.srv, "POST", "/ping/"+e.check.PublicID+path, "")
	require.Equal(e.t, http.StatusOK, code, body)
}

func (e bounceEnv) api(action string) {
	e.t.Helper()
	code, body, _ := e.srv.Do(e.t, "POST", "/api/v1/checks/"+e.check.ID+"/"+action, e.srv.Key, nil)
	require.Equal(e.t, http.StatusOK, code, "%s", body)
}

// alertEnv is setup with a webhook channel taking every alert of the
// organization, and a bounceEnv on its check.
func alertEnv(t *testing.T) (bounceEnv, *api.Client, *testutil.Receiver) {
	t.Helper()
	srv, c, p, ch := setup(t)
	hook := testutil.NewReceiver(t, http.StatusOK)
	_, err := c.CreateChannel(context.Background(), p.OrgID, api.ChannelInput{Name: "ops", Kind: "webhook", Target: hook.URL})
	require.NoError(t, err)
	return bounceEnv{t: t, srv: srv, check: ch, start: srv.Clock.Now()}, c, hook
}

// alerted delivers the alerts due and returns each one's transition, as
// "from->to".
func (e bounceEnv) alerted(hook *testutil.Receiver) []string {
	e.t.Helper()
	_, err := e.srv.DeliverAlerts(context.Background())
	require.NoError(e.t, err)
	var got []string
	for _, r := range hook.Drain() {
		got = append(got, alertTo(e.t, r))
	}
	return got
}

func (e bounceEnv) eval() {
	e.t.Helper()
	_, err := e.srv.EvaluateDue(context.Background())
	require.NoError(e.t, err)
}

// TestNoAlertForABounce: one signal whose transitions end in the status
// the check already had (a false recovery followed by the same bad status
// again) must not alert: alerts fire on changes of the settled status, never
// on a repeat.
func TestNoAlertForABounce(t *testing.T) {
	tests := []struct {
		name  string
		steps func(e bounceEnv)
		want  string // settled status at the end; one alert into it
	}{
		{
			// Pausing and resuming a failed check puts it back to failed:
			// the failure was announced before the pause.
			name: "failed, paused, resumed",
			steps: func(e bounceEnv) {
				e.ping("/fail")
				e.srv.Clock.Add(time.Minute)
				e.api("pause")
				e.srv.Clock.Add(time.Hour)
				e.api("resume")
			},
			want: "failed",
		},
		{
			// A success delivered late (the spool) that happened before
			// the check went down does not bring it back: the run after
			// it was missed too. down -> up -> late -> down is no change.
			name: "down, then a success delivered late",
			steps: func(e bounceEnv) {
				e.ping("")
				e.srv.Clock.Add(2 * time.Hour)
				e.eval()
				e.ping("?ts=" + e.start.Add(30*time.Minute).UTC().Format(time.RFC3339))
			},
			want: "down",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c, hook := alertEnv(t)
			tt.steps(e)
			got := e.alerted(hook)
			require.Len(t, got, 1, "one alert into %s, none for the bounce: %v", tt.want, got)
			assert.Contains(t, got[0], "->"+tt.want)
			assert.Equal(t, tt.want, status(t, c, e.check.ID).SettledStatus)
		})
	}
}

// TestCrashedRunGivenUp: run A overruns (its job was killed together with
// pakyas, so no finish will come); run B starts and succeeds. A is past its
// max runtime and superseded, so it is no longer waited for: the check
// recovers (one alert into overrunning, one recovery) and the timeline says
// why, instead of staying overrunning forever.
func TestCrashedRunGivenUp(t *testing.T) {
	e, c, hook := alertEnv(t)
	a, b := uuid.NewString(), uuid.NewString()
	e.ping("/start?rid=" + a)
	e.srv.Clock.Add(6 * time.Minute) // max runtime = grace = 5m
	e.eval()
	e.ping("/start?rid=" + b)
	e.srv.Clock.Add(time.Second)
	e.ping("?rid=" + b)
	assert.Equal(t, []string{"new->overrunning", "overrunning->up"}, e.alerted(hook))
	shown := status(t, c, e.check.ID)
	assert.Equal(t, "up", shown.Status)
	assert.Empty(t, shown.OpenRuns)
	var note string
	for _, en := range shown.Timeline {
		if en.Kind == "note" {
			note = en.Reason
		}
	}
	assert.Contains(t, note, "(rid "+a+") never finished")
}

// TestSignalAfterTimedPause: a signal that arrives after a timed pause
// ended alerts the same whether the evaluation loop ended the pause first
// or the signal's own event did (its transitions then start with the
// silent resume, e.g. paused -> up, up -> failed): a failure was never
// alerted that way.
func TestSignalAfterTimedPause(t *testing.T) {
	tests := []struct {
		name          string
		before, after string // ping paths before the pause and after its end
		want          []string
	}{
		{"up, a failure after the pause", "", "/fail", []string{"up->failed"}},
		{"failed, a success after the pause", "/fail", "", []string{"new->failed", "failed->up"}},
		{"up, a success after the pause", "", "", nil},
		{"failed, a failure after the pause", "/fail", "/fail", []string{"new->failed"}},
	}
	for _, tt := range tests {
		for _, evalFirst := range []bool{true, false} {
			order := "signal first"
			if evalFirst {
				order = "evaluation first"
			}
			t.Run(tt.name+", "+order, func(t *testing.T) {
				e, c, hook := alertEnv(t)
				e.ping(tt.before)
				_, err := c.PauseCheckWith(context.Background(), e.check.ID, api.PauseInput{For: 1800})
				require.NoError(t, err)
				e.srv.Clock.Add(31 * time.Minute)
				if evalFirst {
					e.eval()
				}
				e.ping(tt.after)
				e.eval()
				assert.Equal(t, tt.want, e.alerted(hook))
				assert.NotEqual(t, "paused", status(t, c, e.check.ID).Status)
			})
		}
	}
}
