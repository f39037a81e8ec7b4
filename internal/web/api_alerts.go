package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/auth"
)

// AlertAPI mounts the watch floor's alerts: listed for analytics:read,
// acknowledged with alerts:ack (audited).
func (s *Server) AlertAPI(al *alert.Service) {
	tags := []string{"alerts"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	s.Route("GET", "/api/v1/alerts", auth.PermAnalyticsRead, OpDoc{Summary: "Alerts raised by the detectors and rules", Tags: tags,
		Description: "Open alerts come by severity, then newest first; otherwise newest first. An alert seen again while open is counted (raised), " +
			"not repeated; after it is acknowledged, the same signal is held back for its cooldown unless its severity rises.",
		Params: []Param{{Name: "state", Description: "open or acknowledged; default both"},
			{Name: "before", Type: "integer", Description: "an alert id: older alerts (paging)"},
			{Name: "limit", Type: "integer", Description: "1–200, default 50"}},
		Response: []alert.Alert{}},
		func(w http.ResponseWriter, r *http.Request) error {
			before, err := QueryInt(r, "before", 0, 0, 1<<62)
			if err != nil {
				return err
			}
			limit, err := QueryInt(r, "limit", 50, 1, 200)
			if err != nil {
				return err
			}
			out, err := al.List(r.Context(), alert.Filter{State: r.URL.Query().Get("state"), Before: before, Limit: int(limit)})
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, out)
		})
	s.Route("GET", "/api/v1/alerts/{id}", auth.PermAnalyticsRead, OpDoc{Summary: "One alert", Tags: tags, Params: []Param{id}, Response: alert.Alert{}},
		func(w http.ResponseWriter, r *http.Request) error {
			n, err := PathID(r, "id")
			if err != nil {
				return err
			}
			a, err := al.Get(r.Context(), n)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, a)
		})
	s.Route("POST", "/api/v1/alerts/{id}/acknowledge", auth.PermAlertsAck, OpDoc{Summary: "Acknowledge an alert: someone has seen it and is dealing with it", Tags: tags,
		Description: "Audited (alert.acknowledge). 409 when someone acknowledged it first.",
		Params:      []Param{id}, Request: ackRequest{}, Response: alert.Alert{}},
		func(w http.ResponseWriter, r *http.Request) error {
			n, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req ackRequest
			if r.ContentLength != 0 {
				if err := DecodeJSON(r, &req); err != nil {
					return err
				}
			}
			a, err := al.Acknowledge(r.Context(), Principal(r), n, req.Note)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, a)
		})
}

type ackRequest struct {
	Note string `json:"note,omitempty"` // what is being done, at most 1,000 characters
}
