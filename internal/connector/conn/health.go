package conn

import (
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
)

// Health is the thread-safe bookkeeping behind connector.Health: the
// webhook handler, the poller and the sender all report into it.
type Health struct {
	mu        sync.Mutex
	last      time.Time
	rate      connector.RateInfo
	errs      []string
	connected bool
	lag       string
	counters  map[string]int
}

// NewHealth starts with unknown rate limits.
func NewHealth() *Health {
	return &Health{rate: connector.RateInfo{Limit: -1, Remaining: -1}, counters: map[string]int{}}
}

// Event records that an item arrived at t.
func (h *Health) Event(t time.Time) {
	h.mu.Lock()
	if t.After(h.last) {
		h.last = t
	}
	h.mu.Unlock()
}

// Error records a recent error (newest first, ten kept). Callers pass
// messages that contain no secrets.
func (h *Health) Error(msg string) {
	h.mu.Lock()
	h.errs = append([]string{msg}, h.errs...)
	if len(h.errs) > 10 {
		h.errs = h.errs[:10]
	}
	h.mu.Unlock()
}

// Rate replaces the rate-limit headroom with the latest parsed headers.
func (h *Health) Rate(ri connector.RateInfo) {
	h.mu.Lock()
	h.rate = ri
	h.mu.Unlock()
}

// Connected marks a stream or poller as up or down.
func (h *Health) Connected(up bool) {
	h.mu.Lock()
	h.connected = up
	h.mu.Unlock()
}

// Count bumps a named counter (ignored events, bad signatures…).
func (h *Health) Count(name string, n int) {
	h.mu.Lock()
	h.counters[name] += n
	h.mu.Unlock()
}

// Counter reads a counter.
func (h *Health) Counter(name string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counters[name]
}

// Snapshot returns the connector.Health view.
func (h *Health) Snapshot() connector.Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return connector.Health{
		LastEventAt: h.last,
		Lag:         h.lag,
		Rate:        h.rate,
		Errors:      append([]string(nil), h.errs...),
		Connected:   h.connected,
	}
}
