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

// unitNode is a unit with the units beneath it.
type unitNode struct {
	unit.Unit
	Children []*unitNode
}

type unitsData struct {
	Roots []*unitNode
	Count int
	One   *unit.Unit
	Error string
}

func (u *UI) adminUnitPages() {
	const perm = auth.PermUnitsManage
	u.Handle(Route{Method: "GET", Path: "/desk/admin/units", Perm: perm, Summary: "Admin: the force's units, as a tree",
		Nav: &Nav{Section: SectionAdmin, Label: "admin.units", Order: 30}}, u.handleUnits)
	u.Handle(Route{Method: "GET", Path: "/desk/admin/units/{id}", Perm: perm, Summary: "Admin: one unit"}, u.handleUnit)
	u.Handle(Route{Method: "POST", Path: "/desk/admin/units/{id}", Perm: perm, Summary: "Admin: change a unit's phone and e-mail"}, u.handleUnitContact)
}

func (u *UI) handleUnits(w http.ResponseWriter, r *http.Request) error {
	units, err := unit.NewStore(u.auth.DB()).List(r.Context(), "")
	if err != nil {
		return err
	}
	nodes := make(map[int64]*unitNode, len(units))
	for _, un := range units {
		nodes[un.ID] = &unitNode{Unit: un}
	}
	d := unitsData{Count: len(units)}
	for _, un := range units { // List orders by kind and name: children stay sorted
		n := nodes[un.ID]
		if p := nodes[un.ParentID]; p != nil && un.ParentID != un.ID {
			p.Children = append(p.Children, n)
		} else {
			d.Roots = append(d.Roots, n)
		}
	}
	return u.Render(w, r, http.StatusOK, "admin_units.html", View{Title: "admin.units.title", Data: d})
}

func (u *UI) loadUnit(r *http.Request) (*unit.Unit, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	un, err := unit.NewStore(u.auth.DB()).Get(r.Context(), id)
	return &un, err
}

func (u *UI) handleUnit(w http.ResponseWriter, r *http.Request) error {
	un, err := u.loadUnit(r)
	if err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "admin_unit.html", View{Title: "admin.unit.title", TitleArgs: []any{un.Name}, Data: unitsData{One: un}})
}

func (u *UI) handleUnitContact(w http.ResponseWriter, r *http.Request) error {
	un, err := u.loadUnit(r)
	if err != nil {
		return err
	}
	phone, email := strings.TrimSpace(r.PostFormValue("phone")), strings.TrimSpace(r.PostFormValue("email"))
	if err := unit.NewStore(u.auth.DB()).SetContact(r.Context(), un.ID, phone, email); err != nil {
		if !errors.Is(err, unit.ErrInvalid) {
			return err
		}
		un.Phone, un.Email = phone, email
		return u.Render(w, r, http.StatusUnprocessableEntity, "admin_unit.html", View{Title: "admin.unit.title", TitleArgs: []any{un.Name},
			Data: unitsData{One: un, Error: "admin.unit.invalid"}})
	}
	u.Flash(r, FlashOK, "admin.unit.saved", un.Name)
	return u.Redirect(w, r, "/desk/admin/units/"+strconv.FormatInt(un.ID, 10))
}
