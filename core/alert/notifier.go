package alert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pakyas/pakyas/core"
)

// Notifier delivers an alert message to one channel.
//
// Notify returns nil only when the receiver accepted the message. An error
// says what failed (the HTTP status and the start of the answer, the SMTP
// reply) without the channel's secret parts (a Slack webhook URL is a
// credential). Errors that a retry cannot fix are wrapped with Permanent;
// all others are worth retrying. Notify honours ctx's deadline and
// cancellation. It is not idempotent: each successful call sends a message.
// Implementations are safe for concurrent use.
type Notifier interface {
	Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error
}

// Notifiers is the registry of notifiers, one per channel kind.
type Notifiers map[core.ChannelKind]Notifier

// DefaultHTTPTimeout bounds a webhook or Slack request when DefaultNotifiers
// is given no client.
const DefaultHTTPTimeout = 10 * time.Second

// DefaultNotifiers returns the built-in notifiers: webhook and Slack over
// client (a client with DefaultHTTPTimeout when nil) and email over the SMTP
// relay smtp. Email is registered even without a relay, so that an email
// channel fails with a message saying how to configure one (ErrNoSMTP).
func DefaultNotifiers(client *http.Client, smtp SMTPConfig) Notifiers {
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	return newNotifiers(Deps{Client: client, SMTP: smtp})
}

// Notify delivers msg to ch with the notifier registered for ch.Kind. A kind
// without a notifier is a permanent error.
func (n Notifiers) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	nt, ok := n[ch.Kind]
	if !ok || nt == nil {
		return Permanent(fmt.Errorf("no notifier for channel kind %q", ch.Kind))
	}
	return nt.Notify(ctx, ch, msg)
}

// Send delivers msg to ch at once, without the outbox: the API's "channel
// test". The error, if any, is a *core.Error the API can show as is: code
// EINVALID for a permanent failure (fix the channel or the server's
// configuration) and EUNAVAILABLE for one that may pass later. The
// notifier's error stays in the chain, so IsPermanent still works.
func Send(ctx context.Context, n Notifiers, ch core.Channel, msg core.AlertMessage) error {
	err := n.Notify(ctx, ch, msg)
	if err == nil {
		return nil
	}
	var ue *core.Error
	switch {
	case errors.Is(err, ErrNoSMTP):
		ue = &core.Error{Code: core.EINVALID, Message: "email alerts need an SMTP relay",
			Hint: "start the server with --smtp-addr and --smtp-from"}
	case IsPermanent(err):
		ue = core.Errorf(core.EINVALID, "alert to %s %q failed: %v", ch.Kind, ch.Name, err).
			WithHint("check the channel's target; retrying will not help")
	default:
		ue = core.Errorf(core.EUNAVAILABLE, "alert to %s %q failed: %v", ch.Kind, ch.Name, err)
	}
	return &sendError{user: ue, err: err}
}

// sendError is a *core.Error for users that keeps the notifier's error in
// its chain.
type sendError struct {
	user *core.Error
	err  error
}

func (e *sendError) Error() string   { return e.user.Error() }
func (e *sendError) Unwrap() []error { return []error{e.user, e.err} }

// Permanent marks err as a failure that retrying cannot fix: a rejected
// URL, credentials or address. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error in its chain, was marked
// with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
