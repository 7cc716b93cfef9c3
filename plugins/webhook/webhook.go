package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core/target"
)

// signatureHeader carries "sha256=<hex HMAC-SHA256 of the body>" when a
// secret is set. A receiver recomputes the HMAC over the raw body with the
// shared secret and compares in constant time.
const signatureHeader = "X-Pakyas-Signature"

// payload is the webhook body, exactly the document's JSON in its order.
// exit_code is null when the event has none (start, or a failure without a
// code).
type payload struct {
	CheckIdentifier string `json:"check_identifier"`
	EventType       string `json:"event_type"`
	ExitCode        *int   `json:"exit_code"`
	DurationMS      int64  `json:"duration_ms"`
	Timestamp       string `json:"timestamp"`
	Host            string `json:"host"`
	Output          string `json:"output"`
}

// webhook POSTs each event as JSON to one URL.
type webhook struct {
	version string
	client  *http.Client
	now     func() time.Time // for events without a timestamp

	url     string
	headers map[string]string
	secret  []byte
}

var (
	_ target.Target     = (*webhook)(nil)
	_ target.Describer  = (*webhook)(nil)
	_ target.Configurer = (*webhook)(nil)
)

func newWebhook(version string) *webhook {
	// No client timeout: every Send carries pakyas's deadline in its ctx.
	return &webhook{version: version, client: &http.Client{}, now: time.Now}
}

// Describe implements target.Describer.
func (w *webhook) Describe(context.Context) (target.Info, error) {
	return target.Info{Name: "webhook", Version: w.version, Schema: target.ConfigSchema{Fields: []target.Field{
		{Key: "url", Type: target.TypeString, Scope: target.ScopeGlobal, Required: true,
			Description: "http:// or https:// URL every event is POSTed to as JSON"},
		{Key: "headers", Type: target.TypeStringMap, Scope: target.ScopeGlobal, Secret: true,
			Description: "extra request headers, e.g. { Authorization = \"Bearer ...\" }"},
		{Key: "secret", Type: target.TypeString, Scope: target.ScopeGlobal, Secret: true,
			Description: "HMAC-SHA256 key; when set, " + signatureHeader + ": sha256=<hex> signs the body"},
	}}}, nil
}

// Configure implements target.Configurer.
func (w *webhook) Configure(_ context.Context, c target.Config) error {
	var errs target.ConfigError
	raw := c.String("url")
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs.Add(target.ScopeGlobal, "url", fmt.Sprintf("%q is not an http:// or https:// URL, e.g. https://status.example.com/api/ping", raw))
	}
	headers := c.StringMap("headers")
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		path := []string{"headers", name}
		switch {
		case !validHeaderName(name):
			errs.AddPath(target.ScopeGlobal, path, "is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)")
		case strings.EqualFold(name, signatureHeader):
			errs.AddPath(target.ScopeGlobal, path, "is set by the plugin; use secret to sign requests")
		case strings.ContainsAny(headers[name], "\r\n\x00"):
			errs.AddPath(target.ScopeGlobal, path, "value must not contain line breaks or NUL")
		}
	}
	if _, _, set := c.Lookup("secret"); set && c.String("secret") == "" {
		errs.Add(target.ScopeGlobal, "secret", "is empty; remove it, or set the shared secret the receiver verifies with")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	w.url, w.headers = raw, headers
	w.secret = nil
	if s := c.String("secret"); s != "" {
		w.secret = []byte(s)
	}
	return nil
}

// Send implements target.Target.
func (w *webhook) Send(ctx context.Context, e target.Event) (target.Result, error) {
	body, err := w.body(e)
	if err != nil {
		return target.Result{}, fmt.Errorf("webhook: encode payload: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return target.Result{}, fmt.Errorf("webhook: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "pakyas-target-webhook/"+w.version)
	for k, v := range w.headers {
		req.Header.Set(k, v)
	}
	if w.secret != nil {
		req.Header.Set(signatureHeader, sign(w.secret, body))
	}

	res, err := target.DoHTTP(w.client, req)
	var se *target.HTTPStatusError
	if errors.As(err, &se) {
		return res, fmt.Errorf("webhook %v: check url and headers in [targets.webhook]", err)
	}
	if err != nil {
		return res, fmt.Errorf("webhook: %w", err)
	}
	return res, nil
}

// body encodes e as the document's payload.
func (w *webhook) body(e target.Event) ([]byte, error) {
	ts := e.Timestamp
	if ts.IsZero() {
		ts = w.now()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // a webhook body is not HTML: keep <, > and & as they are
	err := enc.Encode(payload{
		CheckIdentifier: e.CheckIdentifier,
		EventType:       string(e.Type),
		ExitCode:        e.ExitCode,
		DurationMS:      e.Duration.Milliseconds(),
		Timestamp:       ts.UTC().Format(time.RFC3339),
		Host:            e.Host,
		Output:          e.Output, // invalid UTF-8 becomes U+FFFD
	})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// sign returns the signatureHeader value for body: "sha256=" and the hex
// HMAC-SHA256 of body keyed with secret.
func sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r >= 0x80 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}
