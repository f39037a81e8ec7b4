package ui

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/web"
)

// presenceLive pushes a case's "who else has it open / is typing" warning
// to its open pages as the beats arrive (every replica's, through the
// bus), instead of each page asking every 10 s. The page still beats
// every 10 s to say it is open (a beat lasts desk.PresenceTTL).
func (dp *deskPages) presenceLive() {
	rt := Route{Method: http.MethodGet, Path: "/desk/cases/{id}/live", Perm: auth.PermCasesRead,
		Summary: "Who else has this case open or is typing (SSE)"}
	dp.u.Handle(rt, func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		p := auth.FromContext(r.Context())
		// The scope is checked once, before the stream opens.
		if _, err := dp.d.GetCase(r.Context(), id, desk.ScopeOf(p)); err != nil {
			return err
		}
		return dp.u.hub.Serve(w, r, []string{desk.PresenceSubject}, func(r *http.Request, ev Event) ([]Frame, error) {
			if dp.pres.ObserveCase(ev.Data, id) != id {
				return nil, nil
			}
			html, err := dp.u.RenderString(Lang(r), "case.html", "presence", dp.pres.Others(id, p.UserID))
			return []Frame{{Name: "presence", HTML: html}}, err
		})
	})
}
