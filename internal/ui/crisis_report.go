package ui

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/privacy"
)

func (h *crisisPages) reportRoutes() {
	h.u.Handle(Route{Method: "GET", Path: CrisisPath + "/{id}/report", Perm: auth.PermPostsRead, Summary: "A crisis room's report (personal data redacted)"}, h.report)
	h.u.Handle(Route{Method: "GET", Path: CrisisPath + "/pinned", Perm: auth.PermCasesRead, Summary: "Surge mode's pinned advisories (top-bar fragment)"}, h.pinned)
	h.u.AddNotifications(CrisisPath+"/pinned", "", auth.PermCasesRead)
}

type reportData struct {
	crisis.Report
	Unmasked, CanUnmask bool
}

// report is a room's report: redacted by default; a pii:view holder may
// open it unredacted (?pii=show), audited first.
func (h *crisisPages) report(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := h.c.Report(r.Context(), id)
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	d := reportData{CanUnmask: p.Can(auth.PermPIIView)}
	v := privacy.Default(p)
	if r.URL.Query().Get("pii") == "show" && d.CanUnmask {
		if err := auth.Audit(r.Context(), h.c.DB(), auth.Entry{Action: "crisis.report.unmask", Target: "crisis:" + r.PathValue("id")}); err != nil {
			return err
		}
		v, d.Unmasked = privacy.For(p), true
	}
	rep.Mask(v)
	d.Report = rep
	return h.u.Render(w, r, http.StatusOK, "crisis_report.html", View{Title: "crisis.report.title", TitleArgs: []any{rep.Room.Title}, Data: d})
}

// pinned is the top bar's surge banner: each room in surge mode and its
// pinned advisory link, for everyone working cases.
func (h *crisisPages) pinned(w http.ResponseWriter, r *http.Request) error {
	return h.u.Fragment(w, r, http.StatusOK, "crisis.html", "crisis-pinned", h.c.Surges())
}

func init() {
	// crisislang names a language from the catalogue, or shows its code
	// (a language the desk has no name for).
	AddFunc("crisislang", func(t Translator) any {
		return func(l string) string {
			if t.Has("lang." + l) {
				return t.T("lang." + l)
			}
			return l
		}
	})
}
