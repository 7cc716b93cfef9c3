package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// received is one request a stand-in got.
type received struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

func (r received) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &v), "%s", r.Body)
	return v
}

// TestKindsConformance: every kind of the registry validates its target
// (the example passes, garbage does not), has a notifier, and delivers a
// failure and a recovery to a loopback stand-in as its service documents
// the request; a refusal (4xx) is permanent, a 5xx is retried.
func TestKindsConformance(t *testing.T) {
	fail := core.AlertMessage{CheckID: "c1", PublicID: "5f0c6e6e-8a51-4c3e-a9a4-0d7e4c1b2a39", Name: "Nightly Backup", Slug: "nightly-backup",
		Project: "Infra", From: core.StatusUp, To: core.StatusFailed, Reason: "exit code 3", At: time.Date(2026, 5, 6, 3, 5, 0, 0, time.UTC)}
	up := fail
	up.From, up.To, up.Reason = core.StatusFailed, core.StatusUp, "exit code 0"

	checks := map[core.ChannelKind]func(t *testing.T, failed, recovered received){
		core.ChannelWebhook: func(t *testing.T, f, r received) {
			assert.Equal(t, "failed", f.json(t)["to"])
			assert.NotEmpty(t, f.Header.Get("Webhook-Signature"))
		},
		core.ChannelSlack: func(t *testing.T, f, r received) {
			assert.Contains(t, f.json(t)["text"], "*Nightly Backup*")
		},
		"mattermost": func(t *testing.T, f, r received) {
			assert.Contains(t, f.json(t)["text"], "Nightly Backup")
		},
		"discord": func(t *testing.T, f, r received) {
			v := f.json(t)
			assert.Contains(t, v["content"], "Nightly Backup is Failed (was On Schedule)\nexit code 3\nProject Infra · 2026-05-06 03:05:00 UTC")
			assert.Equal(t, map[string]any{"parse": []any{}}, v["allowed_mentions"], "no @everyone from a check's name")
			assert.Contains(t, r.json(t)["content"], "Nightly Backup is On Schedule again")
		},
		"teams": func(t *testing.T, f, r received) {
			v := f.json(t)
			assert.Equal(t, "message", v["type"])
			att := v["attachments"].([]any)[0].(map[string]any)
			assert.Equal(t, "application/vnd.microsoft.card.adaptive", att["contentType"])
			card := att["content"].(map[string]any)
			assert.Equal(t, "AdaptiveCard", card["type"])
			assert.Equal(t, "Nightly Backup is Failed", card["body"].([]any)[0].(map[string]any)["text"])
		},
		"ntfy": func(t *testing.T, f, r received) {
			assert.Equal(t, "Nightly Backup is Failed", f.Header.Get("Title"))
			assert.Equal(t, "5", f.Header.Get("Priority"))
			assert.True(t, strings.HasPrefix(string(f.Body), "Nightly Backup is Failed"))
			assert.Equal(t, "3", r.Header.Get("Priority"))
		},
		"pagerduty": func(t *testing.T, f, r received) {
			assert.Equal(t, "/v2/enqueue", f.Path)
			v := f.json(t)
			assert.Equal(t, "R0123456789abcdef0123456789abcde", v["routing_key"])
			assert.Equal(t, "trigger", v["event_action"])
			assert.Equal(t, "pakyas-"+fail.PublicID, v["dedup_key"], "the check's public ID: the recovery resolves this incident")
			payload := v["payload"].(map[string]any)
			assert.Equal(t, "error", payload["severity"])
			assert.Equal(t, "Nightly Backup is Failed (was On Schedule)", payload["summary"])
			w := r.json(t)
			assert.Equal(t, "resolve", w["event_action"])
			assert.Equal(t, v["dedup_key"], w["dedup_key"])
		},
		"opsgenie": func(t *testing.T, f, r received) {
			assert.Equal(t, "/v2/alerts", f.Path)
			assert.Equal(t, "GenieKey 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", f.Header.Get("Authorization"))
			v := f.json(t)
			assert.Equal(t, "pakyas-"+fail.PublicID, v["alias"])
			assert.Equal(t, "P2", v["priority"])
			assert.Equal(t, "Nightly Backup is Failed", v["message"])
			assert.Equal(t, "/v2/alerts/pakyas-"+fail.PublicID+"/close", r.Path, "the recovery closes the alert by its alias")
		},
		"telegram": func(t *testing.T, f, r received) {
			assert.Equal(t, "/bot123:ABC/sendMessage", f.Path)
			v := f.json(t)
			assert.Equal(t, "-1001234567890", v["chat_id"])
			assert.Contains(t, v["text"], "Nightly Backup is Failed")
		},
		"pushover": func(t *testing.T, f, r received) {
			assert.Equal(t, "/1/messages.json", f.Path)
			form, err := url.ParseQuery(string(f.Body))
			require.NoError(t, err)
			assert.Equal(t, "app-token", form.Get("token"))
			assert.Equal(t, "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", form.Get("user"))
			assert.Equal(t, "Nightly Backup is Failed", form.Get("title"))
			assert.Equal(t, "1", form.Get("priority"))
			rf, _ := url.ParseQuery(string(r.Body))
			assert.Equal(t, "0", rf.Get("priority"))
		},
	}
	settings := map[core.ChannelKind]map[string]string{
		"telegram": {"token": "123:ABC"},
		"pushover": {"token": "app-token"},
		"opsgenie": {"region": "eu"},
	}

	for _, k := range Kinds() {
		if k.Name == core.ChannelEmail {
			continue // SMTP: email_test.go runs it against a loopback SMTP server
		}
		t.Run(string(k.Name), func(t *testing.T) {
			check, ok := checks[k.Name]
			require.True(t, ok, "kind %s has no conformance expectations here", k.Name)
			require.NoError(t, ValidateTarget(k.Name, k.Example), "the documented example is a valid target")
			require.Error(t, ValidateTarget(k.Name, "not a target"))
			assert.NotEmpty(t, k.Target)

			var got []received
			status := http.StatusOK
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = append(got, received{r.Method, r.URL.Path, r.Header.Clone(), b})
				w.WriteHeader(status)
			}))
			defer srv.Close()
			n := newNotifiers(Deps{Client: srv.Client(), ServiceURLs: ServiceURLs{PagerDutyURL: srv.URL + "/v2/enqueue",
				OpsgenieURL: srv.URL, TelegramURL: srv.URL, PushoverURL: srv.URL}})[k.Name]
			target := srv.URL + "/hook"
			if _, isURL := map[core.ChannelKind]bool{"pagerduty": true, "opsgenie": true, "telegram": true, "pushover": true}[k.Name]; isURL {
				target = k.Example // a key or an ID; the endpoint is the service's
			}
			require.NoError(t, ValidateSettings(k.Name, settings[k.Name]))
			for _, s := range k.Settings {
				if s.Required {
					require.Error(t, ValidateSettings(k.Name, nil), "%s is required", s.Key)
				}
			}
			require.Error(t, ValidateSettings(k.Name, map[string]string{"bogus": "x"}))
			ch := core.Channel{ID: "ch1", Name: "ops", Kind: k.Name, Target: target, Secret: NewSecret(), Settings: settings[k.Name]}
			require.NoError(t, n.Notify(context.Background(), ch, fail))
			require.NoError(t, n.Notify(context.Background(), ch, up))
			require.Len(t, got, 2)
			for _, r := range got {
				assert.Equal(t, http.MethodPost, r.Method)
				assert.Equal(t, UserAgent, r.Header.Get("User-Agent"))
			}
			check(t, got[0], got[1])

			status = http.StatusBadRequest
			err := n.Notify(context.Background(), ch, fail)
			assert.True(t, IsPermanent(err), "a refusal is permanent: %v", err)
			status = http.StatusBadGateway
			err = n.Notify(context.Background(), ch, fail)
			require.Error(t, err)
			assert.False(t, IsPermanent(err), "a 5xx is retried")
		})
	}
}
