package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
)

type crisisCloseRequest struct {
	Summary string `json:"summary"` // what happened and what was done (required)
}

// close: close a room with its written summary.
func (h *crisisAPI) close(s *Server) {
	s.Route("POST", "/api/v1/crisis/rooms/{id}/close", auth.PermIncidentsManage, OpDoc{Summary: "Close a crisis room with a written summary", Tags: crisisTags,
		Description: "The summary is kept with the room as its report (GET …/report). Surge mode ends. Audited (crisis.close).",
		Params:      []Param{crisisID}, Request: crisisCloseRequest{}, Response: crisis.Room{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req crisisCloseRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			rm, err := h.c.Close(r.Context(), Principal(r), id, req.Summary)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, rm)
		})
}
