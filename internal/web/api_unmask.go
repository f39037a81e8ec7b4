package web

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
)

// unmaskAPI: the desk shows every post masked; someone allowed to see
// personal data opens one post at a time, and each opening is audited
// (who, which post, which case), so the log answers "who saw this
// citizen's phone number".
func (s *Server) unmaskAPI(d *desk.Desk) {
	s.Route("POST", "/api/v1/posts/{id}/unmask", auth.PermPIIView, OpDoc{Summary: "Show one post with its personal data (audited)", Tags: []string{"posts"},
		Params: caseIDParam, Response: post.Post{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			p, _, err := d.GetPost(r.Context(), id, scopeOf(r))
			if err != nil {
				return err
			}
			// Audit before answering: an unmasking that cannot be recorded does not happen.
			if err := auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "post.unmask", Target: "post:" + strconv.FormatInt(id, 10),
				Details: map[string]any{"case_id": p.CaseID}}); err != nil {
				return err
			}
			return JSON(w, http.StatusOK, p)
		})
}
