package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/privacy"
)

// report: a room's report, personal data redacted unless a pii:view
// holder asks for it (audited first).
func (h *crisisAPI) report(s *Server) {
	s.Route("GET", "/api/v1/crisis/rooms/{id}/report", auth.PermPostsRead, OpDoc{Summary: "A crisis room's report (its summary, tasks, rebuttals, advisories, timeline)",
		Tags: crisisTags, Description: "Personal data in free text is redacted. pii=show, for pii:view holders, shows it as stored (audited: crisis.report.unmask).",
		Params: []Param{crisisID, {Name: "pii", Description: "show: unredacted (pii:view)"}}, Response: crisis.Report{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			rep, err := h.c.Report(r.Context(), id)
			if err != nil {
				return err
			}
			v := viewerOf(r)
			if r.URL.Query().Get("pii") == "show" {
				p := Principal(r)
				if !p.Can(auth.PermPIIView) {
					return errForbidden
				}
				if err := auth.Audit(r.Context(), h.c.DB(), auth.Entry{Action: "crisis.report.unmask", Target: "crisis:" + r.PathValue("id")}); err != nil {
					return err
				}
				v = privacy.For(p)
			}
			rep.Mask(v)
			return JSON(w, http.StatusOK, rep)
		})
}
