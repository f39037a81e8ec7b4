package conn

import (
	"context"
	"errors"
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

// Fail records err as a recent error stamped with the UTC time, the form the
// polling and streaming connectors (Bluesky, Mastodon, RSS, Telegram) show.
// nil and context cancellation (a normal shutdown) are not errors.
func (h *Health) Fail(err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	h.Error(time.Now().UTC().Format(time.RFC3339) + " " + err.Error())
}

// RetryAfter records how long the platform asked us to wait.
func (h *Health) RetryAfter(d time.Duration) {
	h.mu.Lock()
	h.rate.RetryAfter = d.String()
	h.mu.Unlock()
}

// Arrived records that an item created at created was seen at at. Unlike
// Event it always moves the last-event time to at (the caller's clock is
// the reference), and it updates the lag behind the platform when created
// is known and earlier.
func (h *Health) Arrived(at, created time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = at
	if !created.IsZero() && at.After(created) {
		h.lag = at.Sub(created).Round(time.Second).String()
	}
}

// UpdateRate edits the rate-limit headroom in place under the lock, for
// platforms whose headers update only some fields (RetryAfter and the
// fields a header did not carry are kept).
func (h *Health) UpdateRate(f func(*connector.RateInfo)) {
	h.mu.Lock()
	f(&h.rate)
	h.mu.Unlock()
}
