package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

func (s *Server) correctionsAPI(d *desk.Desk) {
	s.Route("POST", "/api/v1/cases/{id}/corrections", auth.PermCasesWrite, OpDoc{Summary: "Correct an analysis chip; the correction becomes a training label", Tags: []string{"cases"},
		Description: "task: category, emergency (true/false), lang, sentiment (label), or station (unit_id). " +
			"Changes the case, records it on the timeline and stores the post's text with the right label for `kaval train --db` (not for station).",
		Params: caseIDParam, Request: desk.Correction{}, Response: desk.Case{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req desk.Correction
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			if req.Task == "station" && scopedUser(r) {
				return errScopedReroute
			}
			c, err := d.Correct(r.Context(), id, scopeOf(r), Principal(r).UserID, req)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "case.correct", Target: "case:" + c.Ref, Details: req})
			return JSON(w, http.StatusOK, c)
		})
}
