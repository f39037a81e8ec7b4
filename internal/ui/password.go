package ui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/web"
)

type passwordData struct {
	Next   string
	Forced bool   // still on a one-time password
	Error  string // catalogue key
	Field  string // the field in error, for aria-invalid and focus
	Min    int
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func (u *UI) handlePasswordPage(w http.ResponseWriter, r *http.Request) error {
	next := r.URL.Query().Get("next")
	if !web.LocalPath(next) {
		next = ""
	}
	p := auth.FromContext(r.Context())
	return u.Render(w, r, http.StatusOK, "password.html", View{Title: "password.title",
		Data: passwordData{Next: next, Forced: p.MustChange, Min: auth.MinPasswordLen}})
}

func (u *UI) handlePassword(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	d := passwordData{Next: r.PostFormValue("next"), Forced: p.MustChange, Min: auth.MinPasswordLen}
	if !web.LocalPath(d.Next) {
		d.Next = ""
	}
	cur, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	if next != again {
		d.Error, d.Field = "password.mismatch", "confirm"
		return u.Render(w, r, http.StatusUnprocessableEntity, "password.html", View{Title: "password.title", Data: d})
	}
	if err := u.auth.ChangePassword(r.Context(), p.UserID, cur, next); err != nil {
		var ve *auth.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		switch ve.Field {
		case "current_password":
			d.Error, d.Field = "password.wrong_current", "current"
		case "new_password":
			d.Error, d.Field = "password.same", "new"
		default:
			d.Error, d.Field = "password.rules", "new"
		}
		return u.Render(w, r, http.StatusUnprocessableEntity, "password.html", View{Title: "password.title", Data: d})
	}
	u.Flash(r, FlashOK, "password.changed")
	if d.Next == "" {
		p.MustChange = false
		d.Next = u.home(p)
	}
	return u.Redirect(w, r, d.Next)
}
