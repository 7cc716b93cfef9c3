package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyLimits limits API requests per API key with a token bucket each.
// Pings are not limited (they carry no key), as in healthchecks.io.
type keyLimits struct {
	mu     sync.Mutex
	rate   rate.Limit
	burst  int
	byKeys map[string]*rate.Limiter
}

func newKeyLimits(perSecond float64, burst int) *keyLimits {
	return &keyLimits{rate: rate.Limit(perSecond), burst: burst, byKeys: map[string]*rate.Limiter{}}
}

// allow takes a token from keyID's bucket at now; false means the caller
// is over its rate.
func (l *keyLimits) allow(keyID string, now time.Time) bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	lim, ok := l.byKeys[keyID]
	if !ok {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.byKeys[keyID] = lim
	}
	l.mu.Unlock()
	return lim.AllowN(now, 1)
}
