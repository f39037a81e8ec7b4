package web

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

type postVersions struct {
	Versions []desk.PostVersion `json:"versions"`
}

// postVersionsAPI mounts the evidence of edited and deleted posts: every
// earlier text, unredacted, so pii:view (privacy.Viewer.Post says why).
func (s *Server) postVersionsAPI(d *desk.Desk) {
	s.Route("GET", "/api/v1/posts/{id}/versions", auth.PermPIIView, OpDoc{Summary: "Earlier versions of a post its author edited or deleted (evidence)", Tags: []string{"posts"},
		Params: []Param{{Name: "id", In: "path", Type: "integer", Required: true}}, Response: postVersions{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			vs, err := d.PostVersions(r.Context(), id, scopeOf(r))
			if err != nil {
				return err
			}
			// Earlier texts are shown as stored: an opening like unmasking,
			// audited before the answer.
			if err := auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "post.versions", Target: "post:" + strconv.FormatInt(id, 10)}); err != nil {
				return err
			}
			return JSON(w, http.StatusOK, postVersions{Versions: vs})
		})
}
