package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
)

type crisisOpenRequest struct {
	AlertID int64 `json:"alert_id,omitempty"` // open from an alert (then the rest is taken from it)
	crisis.OpenRequest
}

// open: a room from an alert, or by hand.
func (h *crisisAPI) open(s *Server) {
	s.Route("POST", "/api/v1/crisis/rooms", auth.PermIncidentsManage, OpDoc{Summary: "Open a crisis room from an alert or by hand", Tags: crisisTags,
		Description: "With alert_id, the room takes the alert's title, severity and station; an alert has at most one open room " +
			"(200 with that room when it already has one). By hand: title, severity (info, warning, critical), area and stations. Audited (crisis.open).",
		Request: crisisOpenRequest{}, Response: CrisisRoom{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			var req crisisOpenRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			if req.AlertID != 0 {
				rm, created, err := h.c.OpenFromAlert(r.Context(), Principal(r), req.AlertID)
				if err != nil {
					return err
				}
				status := http.StatusCreated
				if !created {
					status = http.StatusOK
				}
				return h.answerRoom(w, r, status, rm.ID)
			}
			rm, err := h.c.Open(r.Context(), Principal(r), req.OpenRequest)
			if err != nil {
				return err
			}
			return h.answerRoom(w, r, http.StatusCreated, rm.ID)
		})
}
