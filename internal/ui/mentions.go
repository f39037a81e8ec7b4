package ui

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
)

// MentionsPath lists the notes that named the signed-in person.
const MentionsPath = "/desk/mentions"

func (dp *deskPages) mentionRoutes() {
	dp.u.Handle(Route{Method: "GET", Path: MentionsPath, Perm: auth.PermCasesRead, Summary: "Notes that mention me",
		Nav: &Nav{Section: SectionMentions, Label: "mentions.tab"}}, dp.mentions)
	dp.u.Handle(Route{Method: "GET", Path: MentionsPath + "/badge", Perm: auth.PermCasesRead, Summary: "Unread mentions (top bar)"}, dp.mentionsBadge)
	dp.u.SetNotifications(MentionsPath+"/badge", auth.PermCasesRead)
}

func (dp *deskPages) mentions(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	ms, err := dp.d.Mentions(r.Context(), p.UserID, desk.ScopeOf(p), false, 100)
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].Text = privacy.Viewer{}.Text(ms[i].Text)
		ms[i].Subject = privacy.Viewer{}.Text(ms[i].Subject)
	}
	return dp.u.Render(w, r, http.StatusOK, "mentions.html", View{Title: "mentions.title", Data: ms})
}

func (dp *deskPages) mentionsBadge(w http.ResponseWriter, r *http.Request) error {
	n, err := dp.d.UnreadMentions(r.Context(), auth.FromContext(r.Context()).UserID)
	if err != nil {
		return err
	}
	return dp.u.Fragment(w, r, http.StatusOK, "mentions.html", "mentions-badge", n)
}
