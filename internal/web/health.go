package web

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type statusBody struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) error {
	return JSON(w, http.StatusOK, statusBody{Status: "ok"})
}

// handleReadyz pings both pools (SQLite has two) and asks Deps.Ready.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := s.deps.DB.Write.PingContext(ctx)
	if err == nil && s.deps.DB.Read != s.deps.DB.Write {
		err = s.deps.DB.Read.PingContext(ctx)
	}
	if err == nil && s.deps.Ready != nil {
		err = s.deps.Ready(ctx)
	}
	if err != nil {
		s.log.Warn("not ready", "err", err)
		return &Error{Status: http.StatusServiceUnavailable, Code: "not_ready", Message: "not ready"}
	}
	return JSON(w, http.StatusOK, statusBody{Status: "ready"})
}

// MetricsHandler serves the Prometheus metrics at /metrics. It is not
// part of the server's own routes: metrics describe the desk's traffic
// (who is busy, which channels fail, how many citizens write) and belong
// on an operator's address (kaval serve --metrics-listen), never on the
// listener the public form and the webhooks share.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	return mux
}
