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

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}
