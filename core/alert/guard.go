package alert

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivateAddress is wrapped by the error of a connection to an address
// that is not public: a webhook or Slack URL a user gave must not reach
// the server's own network (server-side request forgery).
var ErrPrivateAddress = errors.New("a private address")

// nonPublic are the special-purpose ranges (IANA) beyond what netip's
// predicates cover: shared address space, benchmarking, documentation,
// protocol assignments, reserved, and NAT64 (which can reach any IPv4).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001::/23"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Public reports whether addr is a public unicast address: not loopback,
// private (RFC 1918, unique local), link-local, unspecified, multicast,
// or any other special-purpose range.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || !addr.IsGlobalUnicast() || addr.IsPrivate() || addr.IsLoopback() ||
		addr.IsLinkLocalUnicast() || addr.IsUnspecified() || addr.IsMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// guard returns a net.Dialer Control function: it runs after DNS
// resolution, for every connection (redirects included), with the address
// actually dialled, and refuses one that allowed does not accept.
func guard(allowed func(netip.Addr) bool) func(_, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: cannot tell the address of %s", ErrPrivateAddress, address)
		}
		if !allowed(ap.Addr()) {
			return fmt.Errorf("refusing to connect to %w (%s)", ErrPrivateAddress, ap.Addr().Unmap())
		}
		return nil
	}
}

// NewHTTPClient returns the HTTP client of webhook and Slack notifiers:
// DefaultHTTPTimeout per request, no proxy from the environment (it would
// hide the address really reached), and, unless allowPrivate, no
// connection to an address that is not Public: checked after DNS
// resolution, on every connection and redirect.
func NewHTTPClient(allowPrivate bool) *http.Client {
	if allowPrivate {
		return newHTTPClient(nil)
	}
	return newHTTPClient(Public)
}

func newHTTPClient(allowed func(netip.Addr) bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if allowed != nil {
		d.Control = guard(allowed)
	}
	tr := &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: DefaultHTTPTimeout,
	}
	return &http.Client{Timeout: DefaultHTTPTimeout, Transport: tr, CheckRedirect: checkRedirect}
}

// checkRedirect follows at most 5 redirects, never from https to http.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return errors.New("refusing a redirect from https to http")
	}
	return nil
}

// describe turns the error of a delivery attempt into a short reason for
// people: the status of an answer, a timeout, a refused private address,
// or "could not connect". It never quotes the remote's answer, nor tells
// one connection error from another (which would make the server a port
// scanner).
func describe(ctx context.Context, err error) string {
	var he *HTTPError
	var ne net.Error
	switch {
	case errors.As(err, &he):
		return he.Error()
	case errors.Is(err, ErrPrivateAddress):
		return "the target resolves to a private address; the server refuses those (start it with --allow-private-ips to allow them)"
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()):
		return "timed out"
	}
	return "could not connect"
}
