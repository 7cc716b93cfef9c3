package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultListen is the address `pakyas server` listens on by default, and
// so where the CLI looks for it when no API URL is set.
const DefaultListen = "127.0.0.1:8484"

// DefaultTimeout bounds one HTTP request of the Client.
const DefaultTimeout = 10 * time.Second

// Client talks to a pakyas server. The zero value is not usable: set at
// least BaseURL. A Client is safe for concurrent use.
type Client struct {
	BaseURL   string       // e.g. http://127.0.0.1:8484, without /api/v1
	APIKey    string       // sent as "Authorization: Bearer <key>"; not needed for pings
	HTTP      *http.Client // nil: a client with DefaultTimeout
	UserAgent string       // e.g. "pakyas-cli/1.2.3"

	// Retries is how many times a failed ping is retried when Retryable
	// says it may help. API calls other than pings are not retried.
	Retries int
	// Backoff returns the wait before retry n (1-based); nil:
	// FullJitter(DefaultRetryWait, MaxRetryWait). A Retry-After of the
	// server makes the wait longer, up to MaxRetryWait.
	Backoff func(n int) time.Duration
}

// HTTPError is a non-2xx answer. Its fields come from the server's JSON
// error body when there is one.
type HTTPError struct {
	StatusCode int
	Code       string
	Message    string
	Hint       string
	// RetryAfter is the wait a 429 or 503 asked for (Retry-After), at
	// most MaxRetryWait; 0 when it asked for none.
	RetryAfter time.Duration
}

// Error implements error.
func (e *HTTPError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("server answered %d: %s", e.StatusCode, msg)
}

// IsStatus reports whether err is an *HTTPError with the given status.
func IsStatus(err error, status int) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.StatusCode == status
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: DefaultTimeout, CheckRedirect: CheckRedirect}
}

func (c *Client) url(path string, q url.Values) string {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// do sends one JSON API request and decodes the answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(APIPrefix+path, q), body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return decodeError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
		return fmt.Errorf("decode answer of %s %s: %w", method, path, err)
	}
	return nil
}

func decodeError(resp *http.Response) error {
	he := &HTTPError{StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header, time.Now(), MaxRetryWait)}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e Error
	if json.Unmarshal(b, &e) == nil && e.Message != "" {
		he.Code, he.Message, he.Hint = e.Code, e.Message, e.Hint
	} else {
		he.Message = strings.TrimSpace(string(b))
		if len(he.Message) > 200 {
			he.Message = he.Message[:200]
		}
	}
	return he
}

// wait returns how long to wait before retry n after err: the backoff,
// or longer when the server asked for it with Retry-After, at most
// MaxRetryWait.
func (c *Client) wait(n int, err error) time.Duration {
	backoff := c.Backoff
	if backoff == nil {
		backoff = defaultBackoff
	}
	d := backoff(n)
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > d {
		d = min(he.RetryAfter, MaxRetryWait)
	}
	return d
}

var defaultBackoff = FullJitter(DefaultRetryWait, MaxRetryWait)
