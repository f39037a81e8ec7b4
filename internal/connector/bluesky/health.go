package bluesky

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
)

// tracker keeps the channel's health for the admin page. Safe for
// concurrent use by the poll loop, the webhook handler and the sender.
type tracker struct {
	mu sync.Mutex
	h  connector.Health
}

func newTracker() *tracker {
	return &tracker{h: connector.Health{Rate: connector.RateInfo{Limit: -1, Remaining: -1}}}
}

func (t *tracker) event(at, created time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.h.LastEventAt = at
	if !created.IsZero() && at.After(created) {
		t.h.Lag = at.Sub(created).Round(time.Second).String()
	}
}

func (t *tracker) connected(ok bool) {
	t.mu.Lock()
	t.h.Connected = ok
	t.mu.Unlock()
}

func (t *tracker) retryAfter(d time.Duration) {
	t.mu.Lock()
	t.h.Rate.RetryAfter = d.String()
	t.mu.Unlock()
}

func (t *tracker) fail(err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.h.Errors = append([]string{time.Now().UTC().Format(time.RFC3339) + " " + err.Error()}, t.h.Errors...)
	if len(t.h.Errors) > 10 {
		t.h.Errors = t.h.Errors[:10]
	}
}

func (t *tracker) snapshot() connector.Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.h
	h.Errors = append([]string(nil), t.h.Errors...)
	return h
}

// doTracked performs req and reports whether the request was fully written
// before an error, so the sender can tell "never sent" (Retryable) from
// "sent but no answer" (Unknown).
func doTracked(c *http.Client, req *http.Request) (*http.Response, bool, error) {
	var mu sync.Mutex
	wrote := false
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
		mu.Lock()
		wrote = true
		mu.Unlock()
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := c.Do(req)
	mu.Lock()
	defer mu.Unlock()
	return resp, wrote, err
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff doubles from min up to max.
type backoff struct{ min, max, cur time.Duration }

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur *= 2
	}
	if b.cur > b.max {
		b.cur = b.max
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

func durationConf(cfg map[string]string, key string, def time.Duration) (time.Duration, error) {
	v := cfg[key]
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		// Plain integers are seconds.
		n, err2 := strconv.Atoi(v)
		if err2 != nil || n < 0 {
			return 0, err
		}
		d = time.Duration(n) * time.Second
	}
	return d, nil
}
