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

// Ping sends p, retrying as c.Retries says, and returns the number of
// attempts made and the last error (nil when the server answered 2xx).
func (c *Client) Ping(ctx context.Context, p Ping) (attempts int, err error) {
	u := c.url(PingPath(p.PublicID, p.Kind), p.Query())
	for attempts = 1; ; attempts++ {
		err = c.pingOnce(ctx, u, p.Body)
		if err == nil || attempts > c.Retries || !Retryable(err) {
			return attempts, err
		}
		t := time.NewTimer(c.backoff(attempts))
		select {
		case <-ctx.Done():
			t.Stop()
			return attempts, err
		case <-t.C:
		}
	}
}

func (c *Client) pingOnce(ctx context.Context, u string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
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
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	return nil
}
