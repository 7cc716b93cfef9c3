package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The one retry policy of Pakyas clients, modelled on
// hashicorp/go-retryablehttp's default policy. A failure is either
// transient (Retryable: a later attempt may succeed, so it is retried and,
// when the retries run out, kept in the spool) or not (the server refused
// the request, or the client is misconfigured: retrying cannot help).

// Retryable reports whether err is worth another attempt: a connection or
// DNS error, a timeout, an interrupted answer (any failure of the request
// itself, a *url.Error or net.Error), or an HTTP 408, 425, 429 or 5xx
// other than 501. Not retried: cancellation, TLS and certificate errors,
// too many or invalid redirects, every other HTTP status, and errors that
// are not about the request at all.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Temporary()
	}
	var ue *url.Error
	var ne net.Error
	if !errors.As(err, &ue) && !errors.As(err, &ne) {
		return false
	}
	return !Misconfigured(err)
}

// Misconfigured reports whether err is a failure no retry can mend: the
// server's certificate is not trusted or does not match its name, the TLS
// handshake failed, or the redirects went wrong. The fix is the URL or the
// server's configuration.
func Misconfigured(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		invalidCert      x509.CertificateInvalidError
		hostname         x509.HostnameError
		verification     *tls.CertificateVerificationError
		record           tls.RecordHeaderError
		alert            tls.AlertError
		redirect         *RedirectError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &invalidCert) || errors.As(err, &hostname) ||
		errors.As(err, &verification) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &redirect)
}

// Temporary reports whether retrying may help: 408 Request Timeout, 425
// Too Early, 429 Too Many Requests, and 5xx other than 501 Not
// Implemented.
func (e *HTTPError) Temporary() bool {
	switch {
	case e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooEarly,
		e.StatusCode == http.StatusTooManyRequests:
		return true
	case e.StatusCode == http.StatusNotImplemented:
		return false
	}
	return e.StatusCode >= 500
}

// Refused reports whether err is the server's final no: an HTTP answer that
// is not Temporary (a deleted check, a malformed or too old signal). Such
// a signal is not kept for another try.
func Refused(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && !he.Temporary()
}

// RedirectError is the error of a request whose redirects went wrong.
type RedirectError struct {
	URL    string // the redirect that was refused
	Reason string
}

// Error implements error.
func (e *RedirectError) Error() string { return "redirect to " + e.URL + ": " + e.Reason }

// maxRedirects is how many redirects a request follows.
const maxRedirects = 5

// CheckRedirect is the redirect policy of Pakyas clients, for
// http.Client.CheckRedirect: at most 5 redirects, and never from https to
// http (the API key would travel in clear text). Its error is a
// *RedirectError, which Retryable does not retry.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	switch {
	case len(via) >= maxRedirects:
		return &RedirectError{URL: req.URL.Redacted(), Reason: "stopped after " + strconv.Itoa(maxRedirects) + " redirects (a redirect loop?)"}
	case len(via) > 0 && via[0].URL.Scheme == "https" && req.URL.Scheme != "https":
		return &RedirectError{URL: req.URL.Redacted(), Reason: "refusing to follow a redirect from https to http"}
	}
	return nil
}

// Backoff bounds, and the default first wait of a retry.
const (
	DefaultRetryWait = 250 * time.Millisecond
	MaxRetryWait     = 5 * time.Second
)

// FullJitter returns a backoff with full jitter: retry n (1-based) waits a
// random time between 0 and min(max, first·2^(n-1)). Thousands of cron
// jobs that start at :00 and fail together then spread their retries
// instead of retrying in lockstep.
func FullJitter(first, limit time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		if first <= 0 {
			return 0
		}
		ceil := limit
		if n >= 1 && n < 63 {
			if d := first << (n - 1); d > 0 && d < limit && d>>(n-1) == first {
				ceil = d
			}
		}
		if ceil <= 0 {
			return 0
		}
		return rand.N(ceil + 1)
	}
}

// retryAfter returns the wait an HTTP 429 or 503 asks for in its
// Retry-After header (seconds or an HTTP date), capped at limit; 0 when
// there is none.
func retryAfter(h http.Header, now time.Time, limit time.Duration) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), limit)
}
