package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/internal/testutil"
)

// internal is an "internal service" with a secret in its answers.
func internal(t *testing.T) (*httptest.Server, chan *http.Request, chan []byte) {
	reqs, bodies := make(chan *http.Request, 10), make(chan []byte, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- r
		bodies <- b
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "aws_secret_access_key=AKIA-very-secret")
	}))
	t.Cleanup(srv.Close)
	return srv, reqs, bodies
}

func addChannel(t *testing.T, srv *testutil.Server, kind, target string) api.Channel {
	t.Helper()
	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	ch, err := c.CreateChannel(context.Background(), me.Orgs[0].ID, api.ChannelInput{Kind: kind, Target: target, Name: kind})
	require.NoError(t, err)
	return *ch
}

// TestChannelTestRefusesPrivateTargets (finding 1): without
// --allow-private-ips a channel to the server's own network is refused at
// delivery, and nothing of a target's answer is ever returned.
func TestChannelTestRefusesPrivateTargets(t *testing.T) {
	target, reqs, _ := internal(t)
	srv := testutil.StartServerWith(t, func(c *server.Config) { c.AllowPrivateIPs = false })
	ch := addChannel(t, srv, "webhook", target.URL+"/latest/meta-data/")
	st, err := srv.Client(srv.Key).TestChannel(context.Background(), ch.ID)
	require.NoError(t, err)
	assert.False(t, st.OK)
	assert.Contains(t, st.Message, "private address")
	assert.Contains(t, st.Message, "--allow-private-ips")
	assert.Empty(t, reqs, "never connected")

	// Allowed (as with --dev): the answer's status only, never its body.
	open := testutil.StartServer(t)
	ch = addChannel(t, open, "webhook", target.URL)
	st, err = open.Client(open.Key).TestChannel(context.Background(), ch.ID)
	require.NoError(t, err)
	assert.False(t, st.OK)
	assert.Contains(t, st.Message, "HTTP 403 Forbidden")
	assert.NotContains(t, st.Message, "secret")
	<-reqs
}

// TestWebhookChannelSecret: adding a webhook channel shows its signing
// secret once; its alerts verify with it.
func TestWebhookChannelSecret(t *testing.T) {
	target, reqs, bodies := internal(t)
	srv := testutil.StartServer(t)
	ch := addChannel(t, srv, "webhook", target.URL)
	require.NotEmpty(t, ch.Secret)
	c := srv.Client(srv.Key)
	me, err := c.Me(context.Background())
	require.NoError(t, err)
	list, err := c.Channels(context.Background(), me.Orgs[0].ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Empty(t, list[0].Secret, "shown once")
	raw, _ := json.Marshal(list)
	assert.NotContains(t, string(raw), "whsec_")

	_, err = c.TestChannel(ctx(), ch.ID)
	require.NoError(t, err)
	r, body := <-reqs, <-bodies
	wh, err := standardwebhooks.NewWebhook(ch.Secret)
	require.NoError(t, err)
	assert.NoError(t, wh.Verify(body, r.Header))

	slack := addChannel(t, srv, "slack", target.URL)
	assert.Empty(t, slack.Secret, "only webhooks are signed")
}

func ctx() context.Context { return context.Background() }
