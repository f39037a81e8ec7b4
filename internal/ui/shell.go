package ui

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
)

// Paths of the shell's own pages.
const (
	LoginPath    = "/desk/login"
	PasswordPath = "/desk/password"
	AccountPath  = "/desk/account"
)

// shellPages registers what every desk needs whatever pages exist.
func (u *UI) shellPages() {
	const public, anyUser = auth.PermPublic, auth.PermAuthenticated
	u.Handle(Route{Method: "GET", Path: "/desk/assets/{file}", Perm: public, Summary: "Desk static files under content-hash URLs", mustChangeOK: true}, u.assets.serve)
	u.Handle(Route{Method: "GET", Path: "/desk/{$}", Perm: anyUser, Summary: "Desk home: the first page the role may open"}, u.handleHome)
	u.Handle(Route{Method: "GET", Path: "/desk/", Perm: public, Summary: "Desk page not found"}, func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound
	})
	u.Handle(Route{Method: "POST", Path: "/desk/lang", Perm: public, Summary: "Switch the desk's language (cookie)", mustChangeOK: true}, u.setLang)
	u.Handle(Route{Method: "GET", Path: LoginPath, Perm: public, Summary: "Login page", mustChangeOK: true}, u.handleLoginPage)
	u.Handle(Route{Method: "POST", Path: LoginPath, Perm: public, Summary: "Log in (password, optional TOTP code)", mustChangeOK: true}, u.handleLogin)
	u.Handle(Route{Method: "POST", Path: "/desk/logout", Perm: anyUser, Summary: "Log out", mustChangeOK: true}, u.handleLogout)
	u.Handle(Route{Method: "GET", Path: PasswordPath, Perm: anyUser, Summary: "Change my password page", mustChangeOK: true}, u.handlePasswordPage)
	u.Handle(Route{Method: "POST", Path: PasswordPath, Perm: anyUser, Summary: "Change my password", mustChangeOK: true}, u.handlePassword)
	u.Handle(Route{Method: "GET", Path: AccountPath, Perm: anyUser, Summary: "My account"}, u.handleAccount)
}

func (u *UI) handleHome(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, u.home(auth.FromContext(r.Context())), http.StatusSeeOther)
	return nil
}
