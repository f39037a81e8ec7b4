package conn

import (
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons a webhook delivery is refused before anything is stored.
const (
	ReasonMissingSignature = "missing_signature" // 401
	ReasonBadSignature     = "bad_signature"     // 403
	ReasonTooLarge         = "too_large"         // 413
	ReasonSlowBody         = "slow_body"         // 408: the body trickled in
	ReasonUnreadable       = "unreadable"        // 400: the connection broke mid-body
	ReasonMalformed        = "malformed"         // 400: truncated or invalid JSON
)

// refusedField names the part of a request each refusal is about, for the
// log line (RefuseMalformed adds the decoder's own field and detail).
var refusedField = map[string]string{
	ReasonMissingSignature: "signature header",
	ReasonBadSignature:     "signature header",
	ReasonTooLarge:         "body",
	ReasonSlowBody:         "body",
	ReasonUnreadable:       "body",
	ReasonMalformed:        "body",
}

// WebhookBodyTimeout bounds how long a webhook body may take to arrive.
// Platforms send a few kilobytes at once; a client that trickles bytes to
// hold a connection (and a goroutine) open is cut off long before the
// server's general read timeout.
var WebhookBodyTimeout = 10 * time.Second

// ErrSlowBody is returned by ReadWebhook when the body did not arrive in
// WebhookBodyTimeout.
var ErrSlowBody = errors.New("conn: webhook body arrived too slowly")

var (
	refusedTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaval_webhook_refused_total",
		Help: "Webhook deliveries refused before anything was stored, by platform and reason.",
	}, []string{"platform", "reason"})
	ignoredTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaval_webhook_ignored_total",
		Help: "Events in accepted webhook deliveries that were not stored (unknown event types, edits, reactions, our own echoes).",
	}, []string{"platform"})
)

// Collectors are the connector metrics, to register with the registry
// served on /metrics.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{refusedTotal, ignoredTotal, skippedTotal}
}

// RefusedCounter is the kaval_webhook_refused_total child for platform
// and reason (tests read it with testutil.ToFloat64).
func RefusedCounter(platform, reason string) prometheus.Counter {
	return refusedTotal.WithLabelValues(platform, reason)
}

// IgnoredCounter is the kaval_webhook_ignored_total child for platform.
func IgnoredCounter(platform string) prometheus.Counter {
	return ignoredTotal.WithLabelValues(platform)
}

// ReadWebhook reads a webhook body once with the size cap (ReadBody) and
// within WebhookBodyTimeout: ErrTooLarge, ErrSlowBody, or the read error.
func ReadWebhook(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	rc := http.NewResponseController(w)
	// Not every ResponseWriter supports deadlines (the server's read
	// timeout then still applies).
	limited := rc.SetReadDeadline(time.Now().Add(WebhookBodyTimeout)) == nil
	body, err := ReadBody(w, r, max)
	if err != nil {
		// The connection is not reused: left open, the server would wait
		// for the rest of the body before answering.
		w.Header().Set("Connection", "close")
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, ErrSlowBody
		}
		return nil, err
	}
	if limited {
		rc.SetReadDeadline(time.Time{})
	}
	return body, nil
}

// RefuseRead answers a webhook whose body could not be read (413, 408 or
// 400) with a log line and the metric.
func RefuseRead(w http.ResponseWriter, r *http.Request, log *slog.Logger, h *Health, platform string, err error) {
	switch {
	case errors.Is(err, ErrTooLarge):
		Refuse(w, r, log, h, platform, ReasonTooLarge, http.StatusRequestEntityTooLarge, "body too large")
	case errors.Is(err, ErrSlowBody):
		Refuse(w, r, log, h, platform, ReasonSlowBody, http.StatusRequestTimeout, "body arrived too slowly")
	default:
		Refuse(w, r, log, h, platform, ReasonUnreadable, http.StatusBadRequest, "unable to read body")
	}
}

// Refuse answers a webhook delivery that is not stored: the status and
// message go to the caller, a warning with the platform, reason and peer
// to the log, and the reason to the health counters and
// kaval_webhook_refused_total. Nothing of the body is logged: it is
// attacker-controlled and may carry personal data.
func Refuse(w http.ResponseWriter, r *http.Request, log *slog.Logger, h *Health, platform, reason string, status int, msg string) {
	if h != nil {
		h.Count(reason, 1)
	}
	refusedTotal.WithLabelValues(platform, reason).Inc()
	if log != nil {
		// The connector's logger already names the channel and platform.
		log.Warn("webhook delivery refused", "field", refusedField[reason], "reason", reason, "status", status, "remote", r.RemoteAddr)
	}
	http.Error(w, msg, status)
}

// Ignored records n events of an accepted delivery that were not stored.
func Ignored(h *Health, platform string, n int) {
	if n <= 0 {
		return
	}
	if h != nil {
		h.Count("ignored", n)
	}
	ignoredTotal.WithLabelValues(platform).Add(float64(n))
}
