package api

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Trace returns a RoundTripper that writes one line to w for each request
// next makes (`--verbose`): method, URL, status or error, and latency.
// Never a header: they hold the API key.
func Trace(next http.RoundTripper, w io.Writer) http.RoundTripper {
	return &trace{next: next, w: w}
}

type trace struct {
	next http.RoundTripper
	mu   sync.Mutex
	w    io.Writer
}

func (t *trace) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	d := time.Since(start).Round(time.Millisecond)
	outcome := ""
	if err != nil {
		outcome = err.Error()
	} else {
		outcome = resp.Status
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "[pakyas] %s %s: %s (%s)\n", r.Method, r.URL.Redacted(), printable(outcome), d)
	return resp, err
}

// printable replaces the control characters of a server's text, which
// Trace writes to a terminal.
func printable(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			b[i] = '?'
		}
	}
	return string(b)
}
