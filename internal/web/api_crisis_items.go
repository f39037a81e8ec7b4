package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
)

type crisisItemRequest struct {
	Kind   string `json:"kind"` // post or case
	ID     int64  `json:"id"`
	Remove bool   `json:"remove,omitempty"` // take it out (gathering will not bring it back)
}

// items: add or remove a post or case by hand.
func (h *crisisAPI) items(s *Server) {
	s.Route("POST", "/api/v1/crisis/rooms/{id}/items", auth.PermIncidentsManage, OpDoc{Summary: "Add a post or case to a crisis room, or remove one", Tags: crisisTags,
		Description: "Audited (crisis.item.add, crisis.item.remove). A removed item stays out when the room gathers again.",
		Params:      []Param{crisisID}, Request: crisisItemRequest{}, Response: CrisisRoom{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req crisisItemRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			if err := h.c.SetItem(r.Context(), Principal(r), id, req.Kind, req.ID, req.Remove); err != nil {
				return err
			}
			return h.answerRoom(w, r, http.StatusOK, id)
		})
}
