package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/web"
)

// TemplatesPath is where supervisors manage the reply templates.
const TemplatesPath = "/desk/templates"

type templatesData struct {
	Templates []desk.Template
	Edit      desk.Template
	Helplines []desk.Helpline
	Langs     []string
	Vars      []string
}

func (dp *deskPages) templateRoutes() {
	dp.u.Handle(Route{Method: "GET", Path: TemplatesPath, Perm: auth.PermTemplatesManage, Summary: "Reply templates",
		Nav: &Nav{Section: SectionAdmin, Label: "templates.tab", Order: 50}}, dp.templates)
	dp.u.Handle(Route{Method: "POST", Path: TemplatesPath, Perm: auth.PermTemplatesManage, Summary: "Save a reply template"}, dp.saveTemplate)
	dp.u.Handle(Route{Method: "POST", Path: TemplatesPath + "/{id}/delete", Perm: auth.PermTemplatesManage, Summary: "Delete a reply template"}, dp.deleteTemplate)
}

func (dp *deskPages) templates(w http.ResponseWriter, r *http.Request) error {
	ts, err := dp.d.Templates(r.Context())
	if err != nil {
		return err
	}
	data := templatesData{Templates: ts, Helplines: desk.Helplines, Langs: desk.TemplateLangs, Vars: desk.TemplateVars,
		Edit: desk.Template{Bodies: map[string]string{}}}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); id > 0 {
		if data.Edit, err = dp.d.GetTemplate(r.Context(), id); err != nil {
			return err
		}
	}
	return dp.u.Render(w, r, http.StatusOK, "templates.html", View{Title: "templates.title", Data: data})
}

func (dp *deskPages) saveTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	t := desk.Template{Name: r.PostFormValue("name"), Purpose: r.PostFormValue("purpose"), Helpline: r.PostFormValue("helpline"), Bodies: map[string]string{}}
	t.ID, _ = strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	t.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	for _, l := range desk.TemplateLangs {
		if b := r.PostFormValue("body_" + l); b != "" {
			t.Bodies[l] = b
		}
	}
	p := auth.FromContext(r.Context())
	got, err := dp.d.SaveTemplate(r.Context(), t, p.UserID)
	var inv *desk.InvalidError
	switch {
	case errors.As(err, &inv):
		dp.u.Flash(r, FlashError, "templates.invalid", inv.Message)
		return dp.u.Redirect(w, r, TemplatesPath)
	case errors.Is(err, desk.ErrConflict):
		dp.u.Flash(r, FlashError, "case.conflict")
		return dp.u.Redirect(w, r, TemplatesPath)
	case err != nil:
		return err
	}
	auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "template.save", Target: "template:" + strconv.FormatInt(got.ID, 10), Details: map[string]any{"name": got.Name}})
	dp.u.Flash(r, FlashOK, "templates.saved", got.Name)
	return dp.u.Redirect(w, r, TemplatesPath)
}

func (dp *deskPages) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := dp.d.DeleteTemplate(r.Context(), id); err != nil {
		return err
	}
	auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "template.delete", Target: "template:" + strconv.FormatInt(id, 10)})
	dp.u.Flash(r, FlashOK, "templates.deleted")
	return dp.u.Redirect(w, r, TemplatesPath)
}
