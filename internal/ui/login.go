package ui

import (
	"errors"
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/web"
)

type loginData struct {
	Username string
	Next     string
	Error    string // catalogue key
	NeedCode bool   // the password was right; ask for the authenticator code
}

func (u *UI) handleLoginPage(w http.ResponseWriter, r *http.Request) error {
	next := r.URL.Query().Get("next")
	if !web.LocalPath(next) {
		next = ""
	}
	if p := auth.FromContext(r.Context()); p != nil && !p.MustChange {
		if next == "" {
			next = u.home(p)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return u.Render(w, r, http.StatusOK, "login.html", View{Title: "login.title", Data: loginData{Next: next}})
}

// handleLogin shares everything with the API's POST /api/v1/session (rate
// limit, lockout counter, TOTP, session cookie) through web.Server.LogIn.
func (u *UI) handleLogin(w http.ResponseWriter, r *http.Request) error {
	d := loginData{Username: r.PostFormValue("username"), Next: r.PostFormValue("next")}
	if !web.LocalPath(d.Next) {
		d.Next = ""
	}
	usr, _, err := u.srv.LogIn(w, r, d.Username, r.PostFormValue("password"), r.PostFormValue("code"))
	if err != nil {
		status := http.StatusUnauthorized
		var we *web.Error
		switch {
		case errors.Is(err, auth.ErrInvalidCredentials):
			d.Error = "login.invalid"
		case errors.Is(err, auth.ErrTOTPRequired):
			d.Error, d.NeedCode = "login.code_required", true
			if r.PostFormValue("code") != "" {
				d.Error = "login.code_wrong"
			}
		case errors.Is(err, auth.ErrLocked):
			d.Error, status = "login.locked", http.StatusLocked
		case errors.As(err, &we) && we.Code == "rate_limited":
			d.Error, status = "login.rate_limited", http.StatusTooManyRequests
		default:
			return err
		}
		return u.Render(w, r, status, "login.html", View{Title: "login.title", Data: d})
	}
	u.loggedIn(w, r, usr.ID)
	if usr.MustChange {
		target := PasswordPath
		if d.Next != "" {
			target += "?next=" + urlQueryEscape(d.Next)
		}
		return u.Redirect(w, r, target)
	}
	if d.Next == "" {
		d.Next = u.home(usr.Principal(auth.MethodSession))
	}
	return u.Redirect(w, r, d.Next)
}

func (u *UI) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := u.srv.LogOut(w, r); err != nil {
		return err
	}
	u.Flash(r, FlashInfo, "logout.done")
	return u.Redirect(w, r, LoginPath)
}
