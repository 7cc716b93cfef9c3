package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// UserAgent is the User-Agent of every HTTP request a notifier makes.
const UserAgent = "pakyas-server"

// HTTPError is a non-2xx answer from a webhook or Slack. Notifiers wrap it
// with Permanent unless the status is worth retrying (408, 425, 429, 5xx).
// It never holds the answer's body: a target the user chose could be an
// internal service whose answer is secret.
type HTTPError struct {
	StatusCode int
	Status     string        // e.g. "404 Not Found"
	RetryAfter time.Duration // from a Retry-After header in seconds; 0 when none
}

// Error returns e.g. "HTTP 404 Not Found".
func (e *HTTPError) Error() string { return "HTTP " + e.Status }

// retryable reports whether an answer with the given status may be
// accepted later.
func retryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

// postJSON POSTs v as JSON to target and returns nil for a 2xx answer. Its
// errors name only the scheme and host of target: the rest of a webhook URL
// is often a secret.
// sign, if not nil, adds headers computed from the body (a signature).
func postJSON(ctx context.Context, client *http.Client, target string, v any, sign func(body []byte, h http.Header) error) error {
	body, err := json.Marshal(v)
	if err != nil {
		return Permanent(fmt.Errorf("encode alert: %w", err))
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if sign != nil {
		if err := sign(body, h); err != nil {
			return Permanent(fmt.Errorf("sign the alert: %w", err))
		}
	}
	return post(ctx, client, target, body, h)
}

// post POSTs body with the headers h to target, as postJSON does.
func post(ctx context.Context, client *http.Client, target string, body []byte, h http.Header) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Permanent(fmt.Errorf("target is not an absolute http(s) URL"))
	}
	where := u.Scheme + "://" + u.Host
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("post to %s: %w", where, err))
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", UserAgent)
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// Only a short reason: the *url.Error repeats the whole URL (often
		// a secret), and telling connection errors apart would make the
		// server a port scanner.
		reason := describe(ctx, err)
		if errors.Is(err, ErrPrivateAddress) {
			return Permanent(&DeliveryError{Where: where, Reason: reason, err: err})
		}
		return &DeliveryError{Where: where, Reason: reason, err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // reuse the connection
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	herr := &HTTPError{
		StatusCode: resp.StatusCode,
		Status:     resp.Status,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After")),
	}
	if herr.Status == "" {
		herr.Status = strconv.Itoa(resp.StatusCode)
	}
	if !retryable(resp.StatusCode) {
		return Permanent(herr)
	}
	return herr
}

// DeliveryError is a delivery that got no answer: where it went (scheme
// and host only) and a short reason (see describe).
type DeliveryError struct {
	Where, Reason string
	err           error
}

// Error returns e.g. "post to https://hooks.example.com: could not connect".
func (e *DeliveryError) Error() string { return "post to " + e.Where + ": " + e.Reason }

// Unwrap returns the error of the attempt, for classification only: its
// text is not shown.
func (e *DeliveryError) Unwrap() error { return e.err }

// retryAfter parses a Retry-After header given in seconds. The HTTP-date
// form is ignored: it depends on the peer's clock.
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(min(n, 24*3600)) * time.Second
}
