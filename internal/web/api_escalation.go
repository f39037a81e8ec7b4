package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

type escalateRequest struct {
	UnitID int64  `json:"unit_id" description:"the station; the case's own unit (from the place analysis) is the suggestion"`
	Note   string `json:"note" description:"required: what the station must know"`
}

func (s *Server) escalationAPI(d *desk.Desk) {
	tags := []string{"cases"}
	s.Route("POST", "/api/v1/cases/{id}/escalate", auth.PermCasesWrite, OpDoc{Summary: "Escalate a case to a station with a note", Tags: tags,
		Description: "Routes the case to the unit and sets it waiting on the station, whose officers see it in their queue.",
		Params:      caseIDParam, Request: escalateRequest{}, Response: desk.Case{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req escalateRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			if scopedUser(r) {
				return errScopedReroute
			}
			c, err := d.Escalate(r.Context(), id, scopeOf(r), Principal(r).UserID, req.UnitID, req.Note)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "case.escalate", Target: "case:" + c.Ref, Details: map[string]any{"unit_id": req.UnitID}})
			return JSON(w, http.StatusOK, c)
		})
	s.Route("POST", "/api/v1/cases/{id}/station-action", auth.PermCasesWrite, OpDoc{Summary: "Record the station's action and close the station's part", Tags: tags,
		Description: "action: visited, fir_registered (with fir_number), referred_helpline (with helpline), not_police_matter. " +
			"The case returns to the desk tagged tell_citizen until someone replies to the citizen.",
		Params: caseIDParam, Request: desk.StationAction{}, Response: desk.Case{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req desk.StationAction
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			c, err := d.RecordStationAction(r.Context(), id, scopeOf(r), Principal(r).UserID, req)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "case.station_action", Target: "case:" + c.Ref, Details: map[string]any{"action": req.Action}})
			return JSON(w, http.StatusOK, c)
		})
}
