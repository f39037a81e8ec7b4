package webform

import (
	"container/list"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps one token bucket per client key (IP) in a bounded LRU, so
// a flood of spoofed or rotating addresses costs memory proportional to
// the bound, not to the flood. An evicted client simply starts with a full
// bucket again, which is the safe direction for a public form.
type limiters struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	max   int
	ll    *list.List
	byKey map[string]*list.Element
}

type limiterEntry struct {
	key string
	lim *rate.Limiter
}

func newLimiters(limit rate.Limit, burst, max int) *limiters {
	return &limiters{limit: limit, burst: burst, max: max, ll: list.New(), byKey: map[string]*list.Element{}}
}

// allow takes one token for key at now; when none is available it returns
// how long to wait.
func (l *limiters) allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lim *rate.Limiter
	if el, found := l.byKey[key]; found {
		l.ll.MoveToFront(el)
		lim = el.Value.(*limiterEntry).lim
	} else {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.byKey[key] = l.ll.PushFront(&limiterEntry{key, lim})
		if l.ll.Len() > l.max {
			old := l.ll.Back()
			l.ll.Remove(old)
			delete(l.byKey, old.Value.(*limiterEntry).key)
		}
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Duration(math.MaxInt64)
	}
	d := r.DelayFrom(now)
	if d == 0 {
		return true, 0
	}
	r.CancelAt(now)
	return false, d
}

func (l *limiters) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ll.Len()
}
