package outbox

import (
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// failures counts replies and posts that did not reach the citizen, by
// platform, kind and reason: the failure class, and the platform's own
// error code when it gave one ("permanent:100", "window_closed:131047",
// "delivery_failed:131026"). Platforms' code sets are small, so the label
// stays bounded; anything that is not a plain code is dropped from it.
var failures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kaval_outbox_failures_total",
	Help: "Replies and posts that failed, were undelivered or whose outcome is unknown, by platform, kind and reason (class[:platform code])."},
	[]string{"platform", "kind", "reason"})

// Collectors are the package's process-wide metrics, for the server's
// registry.
func Collectors() []prometheus.Collector { return []prometheus.Collector{failures} }

// reason is the metric label for a failure: class, then the platform's
// code when it is short and plain.
func reason(class, code string) string {
	if code == "" || len(code) > 24 || strings.IndexFunc(code, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-' || r == '.')
	}) >= 0 {
		return class
	}
	return class + ":" + code
}

// CountFailure logs an item that did not reach its audience with the
// platform's reason, and counts it.
func CountFailure(log *slog.Logger, it Item, class, code, why string) {
	failures.WithLabelValues(it.Platform, string(it.Kind), reason(class, code)).Inc()
	log.Warn("outbox: "+string(it.Kind)+" did not reach the platform's user", "outbox", it.ID, "case", it.CaseID,
		"channel", it.ChannelID, "platform", it.Platform, "class", class, "code", code, "reason", why)
}
