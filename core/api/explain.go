package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/pakyas/pakyas/core"
)

// Explain turns an error of a request to the server at baseURL into a
// *core.Error for people: what went wrong, with a hint, and a code that
// says what kind of failure it is. The original error stays in its chain
// (Retryable, Refused and errors.As still see it).
//
//	401                       EUNAUTHORIZED  the server refused the API key
//	403                       EFORBIDDEN
//	404                       ENOTFOUND      the server's message
//	408, 425, 429, 5xx        EUNAVAILABLE   the server answered, try later
//	other statuses            the server's code (EINVALID when it gave none)
//	no answer, TLS, redirects EUNAVAILABLE   cannot reach the server
//	cancelled                 EINVALID       interrupted
func Explain(baseURL string, err error) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return err // explained already
	}
	var he *HTTPError
	if errors.As(err, &he) {
		msg := he.Message
		if msg == "" {
			msg = http.StatusText(he.StatusCode)
		}
		e := &core.Error{Code: he.Code, Message: msg, Hint: he.Hint, Err: err}
		switch {
		case he.StatusCode == http.StatusUnauthorized:
			e.Code, e.Message = core.EUNAUTHORIZED, fmt.Sprintf("Not logged in: the server at %s refused the API key: %s", baseURL, msg)
			e.Hint = LoginHint
		case he.StatusCode == http.StatusForbidden:
			e.Code, e.Message = core.EFORBIDDEN, "permission denied: "+msg
		case he.StatusCode == http.StatusNotFound:
			e.Code = core.ENOTFOUND
		case he.Temporary():
			e.Code, e.Message = core.EUNAVAILABLE, fmt.Sprintf("the Pakyas server at %s answered %d: %s", baseURL, he.StatusCode, msg)
			e.Hint = "try again later; 'pakyas --verbose ...' shows each request"
		case e.Code == "":
			e.Code = core.EINVALID
		}
		return e
	}
	if errors.Is(err, context.Canceled) {
		return &core.Error{Code: core.EINVALID, Message: "interrupted", Err: err}
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	hint := "is 'pakyas server' running there? Point pakyas at your server with --api-url URL\n" +
		"or: export PAKYAS_API_URL=URL ('pakyas login --api-url URL --api-key KEY' saves it)"
	if Misconfigured(err) {
		hint = "check --api-url (https:// or http://, the right port) and the server's TLS certificate; retrying will not help"
	}
	return &core.Error{Code: core.EUNAVAILABLE, Message: fmt.Sprintf("cannot reach the Pakyas server at %s: %v", baseURL, cause), Hint: hint, Err: err}
}

// LoginHint says how to give pakyas an API key.
const LoginHint = "pakyas login --api-key pk_live_your_key\n" +
	"or: export PAKYAS_API_KEY=pk_live_your_key"
