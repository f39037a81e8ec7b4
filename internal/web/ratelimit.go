package web

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter is a token bucket per client IP. It is per process: the
// database lockout (auth.Service) is what holds across replicas; this only
// slows down password spraying across many usernames from one address.
type ipLimiter struct {
	mu        sync.Mutex
	r         rate.Limit
	burst     int
	m         map[string]*ipEntry
	lastPrune time.Time
}

type ipEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(r rate.Limit, burst int) *ipLimiter {
	return &ipLimiter{r: r, burst: burst, m: map[string]*ipEntry{}, lastPrune: time.Now()}
}

// maxIPEntries bounds memory under a spray from many addresses; past it
// the table starts afresh (the database lockout still holds).
const maxIPEntries = 100_000

// limiterKey groups IPv6 clients by /64, the block one subscriber gets, so
// rotating through one's own addresses doesn't buy fresh buckets.
func limiterKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// allow reports whether ip may try now, and if not how long to wait.
func (l *ipLimiter) allow(ip string) (bool, time.Duration) {
	ip = limiterKey(ip)
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= maxIPEntries {
		clear(l.m)
	}
	if now.Sub(l.lastPrune) > time.Minute {
		// A bucket idle this long has refilled; dropping it loses nothing.
		for k, e := range l.m {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(l.m, k)
			}
		}
		l.lastPrune = now
	}
	e := l.m[ip]
	if e == nil {
		e = &ipEntry{lim: rate.NewLimiter(l.r, l.burst)}
		l.m[ip] = e
	}
	e.seen = now
	res := e.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}
