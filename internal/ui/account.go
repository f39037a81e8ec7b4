package ui

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/unit"
)

type accountData struct {
	User *auth.User
	Unit string // the unit's name, when the user has one
}

// handleAccount shows who is logged in and what they can do about their
// own account (password, two-step login, sessions, tokens).
func (u *UI) handleAccount(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	usr, err := u.auth.GetUser(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	d := accountData{User: usr}
	if usr.UnitID != 0 {
		un, err := unit.NewStore(u.auth.DB()).Get(r.Context(), usr.UnitID)
		if err != nil {
			return err
		}
		d.Unit = un.Name
		if Lang(r) == "kn" && un.NameKn != "" {
			d.Unit = un.NameKn
		}
	}
	return u.Render(w, r, http.StatusOK, "account.html", View{Title: "account.title", Data: d})
}
