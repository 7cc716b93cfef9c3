package server

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed authentication is limited per client address, before any
// database read: a bucket of failBurst failures that refills at failRate
// per second. An address with an empty bucket is answered 429 until it
// refills.
const (
	failRate  = 0.5
	failBurst = 20
	// failIdle is how long an address's bucket is kept after its last
	// failure; failMax how many are kept before idle ones are dropped.
	failIdle = 10 * time.Minute
	failMax  = 10000
)

// failLimits counts failed authentications per client address.
type failLimits struct {
	mu   sync.Mutex
	by   map[string]*failBucket
	logf func(format string, args ...any)
}

type failBucket struct {
	lim     *rate.Limiter
	last    time.Time
	limited bool // logged as limited; cleared once it may try again
}

func newFailLimits(logf func(format string, args ...any)) *failLimits {
	return &failLimits{by: map[string]*failBucket{}, logf: logf}
}

// clientAddr is the address a request came from, without its port. When
// the connection comes from a trusted proxy (Config.TrustedProxies), it is
// the last X-Forwarded-For hop that is not a trusted proxy: the address
// the outermost trusted proxy saw. Hops before it were written by the
// client and are not believed.
func (s *Server) clientAddr(r *http.Request) string {
	peer := hostOf(r.RemoteAddr)
	if !s.trustedProxy(peer) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := hostOf(strings.TrimSpace(hops[i]))
		ip, err := netip.ParseAddr(hop)
		if err != nil {
			return peer // garbled: the proxy's own address
		}
		if !s.trustedProxy(ip.String()) {
			return ip.String()
		}
	}
	return peer
}

// trustedProxy reports whether addr is in Config.TrustedProxies.
func (s *Server) trustedProxy(addr string) bool {
	if len(s.cfg.TrustedProxies) == 0 {
		return false
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// hostOf returns addr without its port, and without the brackets of an
// IPv6 address with one.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return strings.Trim(addr, "[]")
}

// wait returns how long addr must wait before it may try to authenticate
// again: 0 when it may now.
func (l *failLimits) wait(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.by[addr]
	if !ok {
		return 0
	}
	tokens := b.lim.TokensAt(now)
	if tokens >= 1 {
		b.limited = false
		return 0
	}
	return time.Duration(math.Ceil((1-tokens)/failRate)) * time.Second
}

// fail records a failed authentication from addr, and logs once when it
// empties the address's bucket (once per burst of failures).
func (l *failLimits) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.by[addr]
	if !ok {
		if len(l.by) >= failMax {
			l.prune(now)
		}
		b = &failBucket{lim: rate.NewLimiter(failRate, failBurst)}
		l.by[addr] = b
	}
	b.last = now
	b.lim.AllowN(now, 1)
	if b.lim.TokensAt(now) < 1 && !b.limited {
		b.limited = true
		if l.logf != nil {
			l.logf("too many failed authentications from %s: its API requests are refused (429) until it slows down to one every %s",
				addr, time.Duration(float64(time.Second)/failRate))
		}
	}
}

// prune drops the buckets of addresses idle for failIdle.
func (l *failLimits) prune(now time.Time) {
	for addr, b := range l.by {
		if now.Sub(b.last) > failIdle {
			delete(l.by, addr)
		}
	}
}
