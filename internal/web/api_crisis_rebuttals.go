package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
)

type rebuttalDecision struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note,omitempty"` // required to reject
}

// rebuttals: request a rebuttal to a cluster; approve or reject it once
// for the whole batch.
func (h *crisisAPI) rebuttals(s *Server) {
	s.Route("POST", "/api/v1/crisis/rooms/{id}/rebuttals", auth.PermIncidentsManage, OpDoc{Summary: "Request a rebuttal to a rumour cluster", Tags: crisisTags,
		Description: "One text (with a link) or reply template (its variant per post's language; {name}, {ref}, {status_code}, {status_url}, {advisory_link}) " +
			"sent as a reply to each post of the cluster as it is now, once approved. Audited (crisis.rebuttal.request).",
		Params: []Param{crisisID}, Request: crisis.RebuttalRequest{}, Response: crisis.Rebuttal{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req crisis.RebuttalRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			b, err := h.c.RequestRebuttal(r.Context(), Principal(r), id, req)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusCreated, b)
		})
	s.Route("POST", "/api/v1/crisis/rooms/{id}/rebuttals/{rebuttal}/decide", auth.PermRepliesApprove, OpDoc{Summary: "Approve or reject a rebuttal (one approval covers every post)",
		Tags: crisisTags, Description: "Not by its requester (409). Approved, its replies go through the outbox within the per-platform rate limit, " +
			"never twice to one post, skipping deleted and private posts; progress is in the room. Audited (crisis.rebuttal.approve/reject).",
		Params: []Param{crisisID, {Name: "rebuttal", In: "path", Type: "integer", Required: true}}, Request: rebuttalDecision{}, Response: crisis.Rebuttal{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			rid, err := PathID(r, "rebuttal")
			if err != nil {
				return err
			}
			var req rebuttalDecision
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			b, err := h.c.DecideRebuttal(r.Context(), Principal(r), id, rid, req.Approve, req.Note)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, b)
		})
}
