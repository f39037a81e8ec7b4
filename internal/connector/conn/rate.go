package conn

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
)

// ParseXRate reads X's x-rate-limit-limit/-remaining/-reset (reset in Unix
// epoch seconds). ok is false when the headers are absent.
func ParseXRate(h http.Header) (ri connector.RateInfo, ok bool) {
	ri = connector.RateInfo{Limit: -1, Remaining: -1}
	if v, err := strconv.Atoi(h.Get("x-rate-limit-limit")); err == nil {
		ri.Limit, ok = v, true
	}
	if v, err := strconv.Atoi(h.Get("x-rate-limit-remaining")); err == nil {
		ri.Remaining, ok = v, true
	}
	if v, err := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64); err == nil && v > 0 {
		ri.ResetAt, ok = time.Unix(v, 0).UTC(), true
	}
	return ri, ok
}

// MetaUsage is what Meta's usage headers say.
type MetaUsage struct {
	Pct    float64       // highest of call_count, total_cputime, total_time over all headers
	Regain time.Duration // estimated_time_to_regain_access (given in minutes)
	Found  bool
}

// ParseMetaUsage reads X-App-Usage, X-Page-Usage and
// X-Business-Use-Case-Usage. Malformed JSON is ignored: the headers only
// inform throttling, they must never break a send.
func ParseMetaUsage(h http.Header) MetaUsage {
	var u MetaUsage
	type pct struct {
		CallCount int     `json:"call_count"`
		CPU       int     `json:"total_cputime"`
		Time      int     `json:"total_time"`
		Regain    float64 `json:"estimated_time_to_regain_access"`
	}
	take := func(p pct) {
		u.Found = true
		for _, v := range []int{p.CallCount, p.CPU, p.Time} {
			if float64(v) > u.Pct {
				u.Pct = float64(v)
			}
		}
		if d := time.Duration(p.Regain * float64(time.Minute)); d > u.Regain {
			u.Regain = d
		}
	}
	for _, name := range []string{"X-App-Usage", "X-Page-Usage"} {
		if v := h.Get(name); v != "" {
			var p pct
			if json.Unmarshal([]byte(v), &p) == nil {
				take(p)
			}
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var m map[string][]pct
		if json.Unmarshal([]byte(v), &m) == nil {
			for _, list := range m {
				for _, p := range list {
					take(p)
				}
			}
		}
	}
	return u
}

// TransportClass says what a failed HTTP round trip means for a send: if
// the connection was never made the request cannot have been received
// (Retryable); otherwise the platform may have acted on it (Unknown), and
// the outbox must not blindly re-POST.
func TransportClass(err error) connector.Class {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return connector.Retryable
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return connector.Retryable
	}
	if errors.Is(err, context.Canceled) {
		// cancelled by us: may still have been sent
		return connector.Unknown
	}
	return connector.Unknown
}
