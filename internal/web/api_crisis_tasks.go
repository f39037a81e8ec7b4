package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
)

// tasks: add a task with an owner and a due time; mark one done.
func (h *crisisAPI) tasks(s *Server) {
	s.Route("POST", "/api/v1/crisis/rooms/{id}/tasks", auth.PermIncidentsManage, OpDoc{Summary: "Add a task to a crisis room", Tags: crisisTags,
		Description: "owner_id a user (optional), due_at within 30 days (optional). Audited (crisis.task.add).",
		Params:      []Param{crisisID}, Request: crisis.TaskRequest{}, Response: crisis.Task{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req crisis.TaskRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			t, err := h.c.AddTask(r.Context(), Principal(r), id, req)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusCreated, t)
		})
	s.Route("POST", "/api/v1/crisis/rooms/{id}/tasks/{task}/done", auth.PermPostsRead, OpDoc{Summary: "Mark a crisis room's task done (its owner, or incidents:manage)",
		Tags: crisisTags, Params: []Param{crisisID, {Name: "task", In: "path", Type: "integer", Required: true}}, Response: CrisisRoom{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			tid, err := PathID(r, "task")
			if err != nil {
				return err
			}
			if err := h.c.CompleteTask(r.Context(), Principal(r), id, tid); err != nil {
				return err
			}
			return h.answerRoom(w, r, http.StatusOK, id)
		})
}
