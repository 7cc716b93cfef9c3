package alert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

func TestValidateTarget(t *testing.T) {
	tests := []struct {
		kind    core.ChannelKind
		target  string
		wantErr string // "" for valid
	}{
		{core.ChannelWebhook, "https://example.com/hooks/pakyas", ""},
		{core.ChannelWebhook, "http://10.0.0.5:8080/x?token=abc", ""},
		{core.ChannelWebhook, "", "webhook target is empty"},
		{core.ChannelWebhook, "example.com/hook", `webhook target "example.com/hook" is not an absolute http(s) URL`},
		{core.ChannelWebhook, "ftp://example.com/hook", "not an absolute http(s) URL"},
		{core.ChannelWebhook, "https:///path", "not an absolute http(s) URL"},
		{core.ChannelWebhook, "https://exa mple.com/", "not an absolute http(s) URL"},
		{core.ChannelWebhook, "https://example.com/" + strings.Repeat("a", 2100), "more than 2048"},
		{core.ChannelSlack, "https://hooks.slack.com/services/T0/B0/XXXX", ""},
		{core.ChannelSlack, "hooks.slack.com/services/T0/B0/XXXX", `slack target "hooks.slack.com/services/T0/B0/XXXX" is not an absolute http(s) URL`},
		{core.ChannelEmail, "oncall@example.com", ""},
		{core.ChannelEmail, "On Call <oncall@example.com>", ""},
		{core.ChannelEmail, "", "email target is empty"},
		{core.ChannelEmail, "oncall", `email target "oncall" is not an email address`},
		{core.ChannelEmail, "a@example.com, b@example.com", "is not an email address"},
		{core.ChannelEmail, "a@example.com\r\nBcc: b@example.com", "is not an email address"},
		{"pager", "x", `unknown channel kind "pager"`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%.40s", tt.kind, tt.target), func(t *testing.T) {
			err := ValidateTarget(tt.kind, tt.target)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, core.EINVALID, core.ErrorCode(err))
			assert.Contains(t, core.ErrorMessage(err), tt.wantErr)
			if !strings.Contains(tt.wantErr, "more than") {
				assert.NotEmpty(t, core.ErrorHint(err), "say what is expected")
			}
		})
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("HTTP 404")
	assert.Nil(t, Permanent(nil))
	assert.False(t, IsPermanent(base))
	assert.False(t, IsPermanent(nil))
	p := Permanent(base)
	assert.True(t, IsPermanent(p))
	assert.Equal(t, "HTTP 404", p.Error())
	assert.ErrorIs(t, p, base)
	assert.True(t, IsPermanent(fmt.Errorf("deliver: %w", p)), "survives wrapping")
}

func TestSend(t *testing.T) {
	ok := notifierFunc(func(context.Context, core.Channel, core.AlertMessage) error { return nil })
	gone := notifierFunc(func(context.Context, core.Channel, core.AlertMessage) error {
		return Permanent(&HTTPError{StatusCode: 404, Status: "404 Not Found"})
	})
	busy := notifierFunc(func(context.Context, core.Channel, core.AlertMessage) error {
		return &HTTPError{StatusCode: 503, Status: "503 Service Unavailable"}
	})
	n := Notifiers{core.ChannelWebhook: ok, core.ChannelSlack: gone, core.ChannelEmail: busy}
	msg := downMsg()
	msg.Test = true

	assert.NoError(t, Send(context.Background(), n, core.Channel{Kind: core.ChannelWebhook}, msg))

	err := Send(context.Background(), n, core.Channel{Name: "alerts", Kind: core.ChannelSlack}, msg)
	assert.Equal(t, core.EINVALID, core.ErrorCode(err))
	assert.Equal(t, `alert to slack "alerts" failed: HTTP 404 Not Found`, core.ErrorMessage(err))
	assert.NotEmpty(t, core.ErrorHint(err))
	assert.True(t, IsPermanent(err))
	var he *HTTPError
	assert.ErrorAs(t, err, &he)

	err = Send(context.Background(), n, core.Channel{Name: "oncall", Kind: core.ChannelEmail}, msg)
	assert.Equal(t, core.EUNAVAILABLE, core.ErrorCode(err))
	assert.False(t, IsPermanent(err))

	err = Send(context.Background(), n, core.Channel{Kind: "pager"}, msg)
	assert.Equal(t, core.EINVALID, core.ErrorCode(err))
	assert.Contains(t, err.Error(), `no notifier for channel kind "pager"`)
}

func TestSendWithoutSMTP(t *testing.T) {
	n := DefaultNotifiers(nil, SMTPConfig{})
	err := Send(context.Background(), n, emailChannel(), downMsg())
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoSMTP)
	assert.Equal(t, core.EINVALID, core.ErrorCode(err))
	assert.Equal(t, "email alerts need an SMTP relay", core.ErrorMessage(err))
	assert.Equal(t, "start the server with --smtp-addr and --smtp-from", core.ErrorHint(err))
}

func TestDefaultNotifiers(t *testing.T) {
	n := DefaultNotifiers(nil, SMTPConfig{})
	for _, k := range Kinds() {
		assert.NotNil(t, n[k.Name], k.Name)
	}
	assert.Len(t, n, len(Kinds()), "one notifier per kind of the registry")
	assert.Equal(t, DefaultHTTPTimeout, n[core.ChannelWebhook].(*Webhook).Client.Timeout)

	client := &http.Client{}
	n = DefaultNotifiers(client, SMTPConfig{Addr: "smtp:25"})
	assert.Same(t, client, n[core.ChannelSlack].(*Slack).Client)
	assert.Equal(t, "smtp:25", n[core.ChannelEmail].(*Email).SMTP.Addr)
}
