package ui

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/web"
)

type sessionsData struct {
	All      bool // the administrators' view of everyone's sessions
	Sessions []*auth.SessionInfo
	Current  int64 // this browser's session
	Back     string
}

// accountPages are a person's own account data: sessions and tokens, and
// their administrators' views of everyone's.
func (u *UI) accountPages() {
	const anyUser = auth.PermAuthenticated
	u.Handle(Route{Method: "GET", Path: "/desk/account/sessions", Perm: anyUser, Summary: "Where I am logged in"}, u.sessionsPage(false))
	u.Handle(Route{Method: "GET", Path: "/desk/admin/sessions", Perm: auth.PermUsersManage, Summary: "Admin: everyone's sessions",
		Nav: &Nav{Section: SectionAdmin, Label: "admin.sessions", Order: 50}}, u.sessionsPage(true))
	u.Handle(Route{Method: "POST", Path: "/desk/account/sessions/{id}/end", Perm: anyUser, Summary: "End a session (mine; administrators: anyone's)"}, u.handleSessionEnd)

	u.Handle(Route{Method: "GET", Path: "/desk/account/tokens", Perm: auth.PermTokensOwn, Summary: "My API tokens"}, u.tokensPage(false))
	u.Handle(Route{Method: "POST", Path: "/desk/account/tokens", Perm: auth.PermTokensOwn, Summary: "Create an API token (shown once)"}, u.handleTokenCreate(false))
	u.Handle(Route{Method: "GET", Path: "/desk/admin/tokens", Perm: auth.PermUsersManage, Summary: "Admin: API tokens",
		Nav: &Nav{Section: SectionAdmin, Label: "admin.tokens", Order: 40}}, u.tokensPage(true))
	u.Handle(Route{Method: "POST", Path: "/desk/admin/tokens", Perm: auth.PermUsersManage, Summary: "Admin: create an API token for a user"}, u.handleTokenCreate(true))
	u.Handle(Route{Method: "POST", Path: "/desk/account/tokens/{id}/revoke", Perm: auth.PermTokensOwn, Summary: "Revoke an API token (mine; administrators: anyone's)"}, u.handleTokenRevoke)
}

func (u *UI) sessionsPage(all bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := auth.FromContext(r.Context())
		user := p.UserID
		if all {
			user = 0
		}
		list, err := u.auth.SessionsFor(r.Context(), p, user)
		if err != nil {
			return err
		}
		title := "sessions.title"
		if all {
			title = "sessions.title_all"
		}
		return u.Render(w, r, http.StatusOK, "sessions.html", View{Title: title,
			Data: sessionsData{All: all, Sessions: list, Current: p.SessionID, Back: r.URL.Path}})
	}
}

func (u *UI) handleSessionEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if err := u.auth.EndSession(r.Context(), p, id); err != nil {
		return err
	}
	if id == p.SessionID {
		u.Flash(r, FlashInfo, "logout.done")
		return u.Redirect(w, r, LoginPath)
	}
	u.Flash(r, FlashOK, "sessions.ended")
	return u.Redirect(w, r, backTo(r, "/desk/account/sessions"))
}

// backTo is the form's "next" field when it is a page of the desk, else
// fallback: where to go after an action.
func backTo(r *http.Request, fallback string) string {
	if next := r.PostFormValue("next"); web.LocalPath(next) && len(next) > len("/desk/") && next[:len("/desk/")] == "/desk/" {
		return next
	}
	return fallback
}
