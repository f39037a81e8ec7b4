package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

type mergeRequest struct {
	CaseIDs []int64 `json:"case_ids" description:"the cases whose posts move into this one (they are closed)"`
}

func (s *Server) bulkAPI(d *desk.Desk) {
	tags := []string{"cases"}
	s.Route("POST", "/api/v1/cases/bulk", auth.PermCasesWrite, OpDoc{Summary: "One action on many cases: assign, tag, close_spam, reopen", Tags: tags,
		Description: "Each case changes in its own transaction; failed lists the others with the reason. reopen undoes close_spam. assign needs cases:assign.",
		Request:     desk.Bulk{}, Response: desk.BulkResult{}},
		func(w http.ResponseWriter, r *http.Request) error {
			var req desk.Bulk
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			p := Principal(r)
			if req.Action == desk.BulkAssign && !p.Can(auth.PermCasesAssign) {
				return Errorf(http.StatusForbidden, "forbidden", "assigning needs %s", auth.PermCasesAssign)
			}
			res, err := d.ApplyBulk(r.Context(), scopeOf(r), p.UserID, req)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "case.bulk", Target: "cases", Details: map[string]any{"action": req.Action, "done": res.Done, "tag": req.Tag, "assignee_id": req.AssigneeID}})
			return JSON(w, http.StatusOK, res)
		})
	s.Route("GET", "/api/v1/cases/{id}/similar", auth.PermCasesRead, OpDoc{Summary: "Open cases with near-duplicate posts (SimHash): the cluster to merge", Tags: tags,
		Params: caseIDParam, Response: []desk.Case{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			cs, err := d.Similar(r.Context(), id, scopeOf(r))
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, cs)
		})
	s.Route("POST", "/api/v1/cases/{id}/merge", auth.PermCasesWrite, OpDoc{Summary: "Merge other cases into this one", Tags: tags,
		Description: "Their posts move here; this case takes the highest priority and urgency; they are closed with a merged event naming this case.",
		Params:      caseIDParam, Request: mergeRequest{}, Response: desk.Case{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req mergeRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			c, err := d.Merge(r.Context(), id, req.CaseIDs, scopeOf(r), Principal(r).UserID)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "case.merge", Target: "case:" + c.Ref, Details: req})
			return JSON(w, http.StatusOK, c)
		})
}
