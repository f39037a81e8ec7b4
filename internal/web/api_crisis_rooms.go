package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
)

// rooms: list and read crisis rooms.
func (h *crisisAPI) rooms(s *Server) {
	s.Route("GET", "/api/v1/crisis/rooms", auth.PermPostsRead, OpDoc{Summary: "Crisis rooms, newest first", Tags: crisisTags,
		Params:   []Param{{Name: "state", Description: "open or closed; default both"}, {Name: "limit", Type: "integer", Description: "1–200, default 50"}},
		Response: []crisis.Room{}},
		func(w http.ResponseWriter, r *http.Request) error {
			limit, err := QueryInt(r, "limit", 50, 1, 200)
			if err != nil {
				return err
			}
			out, err := h.c.List(r.Context(), r.URL.Query().Get("state"), int(limit))
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, out)
		})
	s.Route("GET", "/api/v1/crisis/rooms/{id}", auth.PermPostsRead, OpDoc{Summary: "A crisis room: its posts, cases, clusters, tasks, rebuttals, advisories and timeline",
		Tags: crisisTags, Params: []Param{crisisID}, Response: CrisisRoom{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			return h.answerRoom(w, r, http.StatusOK, id)
		})
}
