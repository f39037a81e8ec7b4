package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/unit"
	"github.com/kaval-desk/kaval/internal/web"
)

// usersData is the users page: the list, the "new user" form (with what
// was typed when it failed), and a one-time password to show once.
type usersData struct {
	Users   []*auth.User
	Units   []unit.Unit
	UnitOf  map[int64]string
	Roles   []auth.Role
	Form    auth.NewUser
	Error   string // catalogue key
	Detail  string // the server's words for a validation error (English)
	Field   string
	Created *auth.User // just created, or just reset
	OTP     string     // its one-time password, shown this once
	Reset   bool
	Edit    *auth.User // the user page
}

func (u *UI) adminUserPages() {
	const perm = auth.PermUsersManage
	u.Handle(Route{Method: "GET", Path: "/desk/admin/users", Perm: perm, Summary: "Admin: users",
		Nav: &Nav{Section: SectionAdmin, Label: "admin.users", Order: 10}}, u.handleUsersPage)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/users", Perm: perm, Summary: "Admin: create a user (one-time password shown once)"}, u.handleUserCreate)
	u.Handle(Route{Method: "GET", Path: "/desk/admin/users/{id}", Perm: perm, Summary: "Admin: one user"}, u.handleUserPage)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/users/{id}", Perm: perm, Summary: "Admin: change a user's name, role, unit or team"}, u.handleUserUpdate)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/users/{id}/disable", Perm: perm, Summary: "Admin: disable a user"}, u.handleUserDisabled(true))
	u.Handle(Route{Method: "POST", Path: "/desk/admin/users/{id}/enable", Perm: perm, Summary: "Admin: enable a user"}, u.handleUserDisabled(false))
	u.Handle(Route{Method: "POST", Path: "/desk/admin/users/{id}/reset-password", Perm: perm, Summary: "Admin: reset a password (one-time password shown once)"}, u.handleUserReset)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/users/{id}/totp-off", Perm: perm, Summary: "Admin: turn off a user's two-step login"}, u.handleUserTOTPOff)
}

func (u *UI) usersData(r *http.Request) (usersData, error) {
	d := usersData{Roles: auth.Roles, Form: auth.NewUser{Role: auth.RoleAgent}, UnitOf: map[int64]string{}}
	users, err := u.auth.ListUsers(r.Context())
	if err != nil {
		return d, err
	}
	units, err := unit.NewStore(u.auth.DB()).List(r.Context(), "")
	if err != nil {
		return d, err
	}
	kn := Lang(r) == "kn"
	for i, un := range units {
		if kn && un.NameKn != "" {
			units[i].Name = un.NameKn
		}
		d.UnitOf[un.ID] = units[i].Name
	}
	d.Users, d.Units = users, units
	return d, nil
}

func (u *UI) handleUsersPage(w http.ResponseWriter, r *http.Request) error {
	d, err := u.usersData(r)
	if err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "admin_users.html", View{Title: "admin.users.title", Data: d})
}

func formUnit(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PostFormValue("unit_id"), 10, 64)
	return id
}

// invalid turns a domain validation or conflict error into the form's
// error; other errors are returned as they are.
func invalid(err error, d *usersData) error {
	var ve *auth.ValidationError
	var ce *auth.ConflictError
	switch {
	case errors.As(err, &ve):
		d.Error, d.Field, d.Detail = "admin.users.invalid", ve.Field, ve.Field+": "+ve.Message
	case errors.As(err, &ce):
		d.Error, d.Detail = "admin.users.conflict", ce.Message
	default:
		return err
	}
	return nil
}

func (u *UI) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	d, err := u.usersData(r)
	if err != nil {
		return err
	}
	d.Form = auth.NewUser{Username: strings.TrimSpace(r.PostFormValue("username")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Role: auth.Role(r.PostFormValue("role")), UnitID: formUnit(r), Team: strings.TrimSpace(r.PostFormValue("team"))}
	created, otp, err := u.auth.CreateUser(r.Context(), d.Form)
	if err != nil {
		if err := invalid(err, &d); err != nil {
			return err
		}
		return u.Render(w, r, http.StatusUnprocessableEntity, "admin_users.html", View{Title: "admin.users.title", Data: d})
	}
	d.Created, d.OTP, d.Form = created, otp, auth.NewUser{Role: auth.RoleAgent}
	if d.Users, err = u.auth.ListUsers(r.Context()); err != nil {
		return err
	}
	return u.Render(w, r, http.StatusCreated, "admin_users.html", View{Title: "admin.users.title", Data: d})
}

func (u *UI) userPage(w http.ResponseWriter, r *http.Request, status int, d usersData) error {
	return u.Render(w, r, status, "admin_user.html", View{Title: "admin.user.title", TitleArgs: []any{d.Edit.Username}, Data: d})
}

func (u *UI) loadEdit(r *http.Request) (usersData, error) {
	d, err := u.usersData(r)
	if err != nil {
		return d, err
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		return d, err
	}
	d.Edit, err = u.auth.GetUser(r.Context(), id)
	return d, err
}

func (u *UI) handleUserPage(w http.ResponseWriter, r *http.Request) error {
	d, err := u.loadEdit(r)
	if err != nil {
		return err
	}
	return u.userPage(w, r, http.StatusOK, d)
}

func (u *UI) handleUserUpdate(w http.ResponseWriter, r *http.Request) error {
	d, err := u.loadEdit(r)
	if err != nil {
		return err
	}
	name, team, role, unitID := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("team")), auth.Role(r.PostFormValue("role")), formUnit(r)
	if _, err := u.auth.UpdateUser(r.Context(), d.Edit.ID, auth.UserPatch{Name: &name, Team: &team, Role: &role, UnitID: &unitID}); err != nil {
		if err := invalid(err, &d); err != nil {
			return err
		}
		d.Edit.Name, d.Edit.Team, d.Edit.Role, d.Edit.UnitID = name, team, role, unitID
		return u.userPage(w, r, http.StatusUnprocessableEntity, d)
	}
	u.Flash(r, FlashOK, "admin.user.saved", d.Edit.Username)
	return u.Redirect(w, r, "/desk/admin/users/"+strconv.FormatInt(d.Edit.ID, 10))
}

func (u *UI) handleUserDisabled(disable bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := u.loadEdit(r)
		if err != nil {
			return err
		}
		if _, err := u.auth.UpdateUser(r.Context(), d.Edit.ID, auth.UserPatch{Disabled: &disable}); err != nil {
			if err := invalid(err, &d); err != nil {
				return err
			}
			return u.userPage(w, r, http.StatusConflict, d)
		}
		key := "admin.user.enabled"
		if disable {
			key = "admin.user.disabled"
		}
		u.Flash(r, FlashOK, key, d.Edit.Username)
		return u.Redirect(w, r, "/desk/admin/users/"+strconv.FormatInt(d.Edit.ID, 10))
	}
}

// handleUserReset answers with the page itself (not a redirect): the new
// one-time password exists in this response only.
func (u *UI) handleUserReset(w http.ResponseWriter, r *http.Request) error {
	d, err := u.loadEdit(r)
	if err != nil {
		return err
	}
	if d.OTP, err = u.auth.ResetPassword(r.Context(), d.Edit.ID); err != nil {
		return err
	}
	d.Reset = true
	if d.Edit, err = u.auth.GetUser(r.Context(), d.Edit.ID); err != nil {
		return err
	}
	return u.userPage(w, r, http.StatusOK, d)
}

func (u *UI) handleUserTOTPOff(w http.ResponseWriter, r *http.Request) error {
	d, err := u.loadEdit(r)
	if err != nil {
		return err
	}
	if err := u.auth.DisableTOTP(r.Context(), d.Edit.ID); err != nil {
		return err
	}
	u.Flash(r, FlashOK, "admin.user.totp_off_done", d.Edit.Username)
	return u.Redirect(w, r, "/desk/admin/users/"+strconv.FormatInt(d.Edit.ID, 10))
}
