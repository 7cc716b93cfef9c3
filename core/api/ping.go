package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MaxDuration is the longest run duration a ping may report (duration_ms):
// a year (366 days).
const MaxDuration = 366 * 24 * time.Hour

// Ping is one signal to send to a check's ping URL.
type Ping struct {
	PublicID string
	// Kind is "" (success), "start", "fail", "log" or an exit code "0".."255".
	Kind     string
	RunID    string
	Host     string
	Duration time.Duration // 0: not sent
	// At is when the signal happened; set it only for signals delivered
	// late (the spool), zero otherwise.
	At   time.Time
	Body []byte
}

// Query returns the ping's query parameters.
func (p Ping) Query() url.Values {
	q := url.Values{}
	if p.RunID != "" {
		q.Set(ParamRunID, p.RunID)
	}
	if p.Host != "" {
		q.Set(ParamHost, p.Host)
	}
	if p.Duration > 0 {
		q.Set(ParamDuration, strconv.FormatInt(p.Duration.Milliseconds(), 10))
	}
	if !p.At.IsZero() {
		q.Set(ParamTime, p.At.UTC().Format(time.RFC3339Nano))
	}
	return q
}

// Sent says how a delivered (or undelivered) ping went.
type Sent struct {
	Attempts int // requests made
	// BodyLimit is how many bytes of a ping body the server keeps, from
	// its Ping-Body-Limit header; 0 when no answer said.
	BodyLimit int
}

// Ping sends p, retrying as c.Retries says while Retryable(err), and
// returns what happened and the last error (nil once the server answered
// 2xx). It stops early when ctx is done.
func (c *Client) Ping(ctx context.Context, p Ping) (Sent, error) {
	var s Sent
	u := c.url(PingPath(p.PublicID, p.Kind), p.Query())
	for s.Attempts = 1; ; s.Attempts++ {
		limit, err := c.pingOnce(ctx, u, p.Body)
		if limit > 0 {
			s.BodyLimit = limit
		}
		if err == nil || s.Attempts > c.Retries || !Retryable(err) {
			return s, err
		}
		t := time.NewTimer(c.wait(s.Attempts, err))
		select {
		case <-ctx.Done():
			t.Stop()
			return s, err
		case <-t.C:
		}
	}
}

func (c *Client) pingOnce(ctx context.Context, u string, body []byte) (limit int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/plain")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if n, err := strconv.Atoi(resp.Header.Get(PingBodyLimitHeader)); err == nil && n > 0 {
		limit = n
	}
	if resp.StatusCode/100 != 2 {
		return limit, decodeError(resp)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	return limit, nil
}

// Tail returns the last limit bytes of body (all of it when limit <= 0):
// a job's output matters most at its end, and a server keeps only the
// first Ping-Body-Limit bytes of what it is sent.
func Tail(body []byte, limit int) []byte {
	if limit <= 0 || len(body) <= limit {
		return body
	}
	return body[len(body)-limit:]
}
