package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
)

// surge: switch a room's surge mode.
func (h *crisisAPI) surge(s *Server) {
	s.Route("POST", "/api/v1/crisis/rooms/{id}/surge", auth.PermCrisisSurge, OpDoc{Summary: "Switch a crisis room's surge mode on or off", Tags: crisisTags,
		Description: "On: the area's new posts are acknowledged once each with template_id (through the outbox, rate-limited), link (https) is pinned " +
			"for agents and fills {advisory_link}, distress posts in the area get one priority level more at triage. Off: normal triage for posts " +
			"arriving after. Audited (crisis.surge.on/off).",
		Params: []Param{crisisID}, Request: crisis.SurgeRequest{}, Response: crisis.Room{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req crisis.SurgeRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			rm, err := h.c.SetSurge(r.Context(), Principal(r), id, req)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, rm)
		})
}
