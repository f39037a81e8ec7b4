package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
)

// advisory: draft an advisory from the room through publishing.
func (h *crisisAPI) advisory(s *Server) {
	s.Route("POST", "/api/v1/crisis/rooms/{id}/advisories", auth.PermIncidentsManage, OpDoc{Summary: "Draft an advisory from a crisis room", Tags: crisisTags,
		Description: "Composes a publication (kind advisory or emergency) linked to the room; it is then submitted and approved through " +
			"/api/v1/publications/{id}/submit and …/approve by publishing's rules (four eyes; an emergency advisory's fast path). Audited (crisis.advisory).",
		Params: []Param{crisisID}, Request: publish.Draft{}, Response: publish.Publication{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			if !Principal(r).Can(auth.PermPublish) {
				return errForbidden
			}
			var d publish.Draft
			if err := DecodeJSON(r, &d); err != nil {
				return err
			}
			p, err := h.c.DraftAdvisory(r.Context(), Principal(r), id, d)
			if err != nil {
				return pubErr(err)
			}
			return JSON(w, http.StatusCreated, p)
		})
}
