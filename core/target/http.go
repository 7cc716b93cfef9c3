package target

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// HTTPStatusError is a non-2xx answer to DoHTTP. Its message reads
// "answered 404 Not Found ("no such check")", so a target can prefix its
// name and append a hint: fmt.Errorf("healthchecks %v: %s", err, hint).
type HTTPStatusError struct {
	StatusCode int
	Status     string // "404 Not Found"
	Body       string // the start of the body, "" when empty or not text
}

// Error implements error.
func (e *HTTPStatusError) Error() string {
	if e.Body == "" {
		return "answered " + e.Status
	}
	return fmt.Sprintf("answered %s (%q)", e.Status, e.Body)
}

// DoHTTP sends req, the usual last step of a target's Send: it measures
// the latency, reads at most the start of the answer (draining the rest so
// the connection is reused) and returns a Result whose Message is the HTTP
// status. A transport error is returned as is; an answer other than 2xx is
// an *HTTPStatusError. req should carry Send's ctx so the host's deadline
// applies.
func DoHTTP(client *http.Client, req *http.Request) (Result, error) {
	start := time.Now()
	resp, err := client.Do(req)
	latency := time.Since(start)
	if err != nil {
		return Result{Latency: latency}, err
	}
	defer resp.Body.Close()
	body := bodyStart(resp.Body)
	res := Result{Message: "HTTP " + resp.Status, Latency: latency}
	if resp.StatusCode/100 != 2 {
		return res, &HTTPStatusError{StatusCode: resp.StatusCode, Status: resp.Status, Body: body}
	}
	return res, nil
}

// bodyStart returns the first 200 bytes of r as text ("" when empty or
// not UTF-8) and drains up to 64 KiB more.
func bodyStart(r io.Reader) string {
	b, err := io.ReadAll(io.LimitReader(r, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10))
	s := strings.TrimSpace(string(b))
	if (err != nil && !errors.Is(err, io.EOF)) || !utf8.ValidString(s) {
		return ""
	}
	return s
}
