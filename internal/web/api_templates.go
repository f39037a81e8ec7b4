package web

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

type draftRequest struct {
	TemplateID int64  `json:"template_id"`
	Lang       string `json:"lang,omitempty" description:"en, kn or hi; default: the case's language"`
}

func (s *Server) templatesAPI(d *desk.Desk) {
	tags := []string{"templates"}
	s.Route("GET", "/api/v1/templates", auth.PermRepliesSend, OpDoc{Summary: "Reply templates", Tags: tags, Response: []desk.Template{}},
		func(w http.ResponseWriter, r *http.Request) error {
			ts, err := d.Templates(r.Context())
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, ts)
		})
	s.Route("GET", "/api/v1/helplines", auth.PermCasesRead, OpDoc{Summary: "The helplines built into the desk ({helpline})", Tags: tags, Response: []desk.Helpline{}},
		func(w http.ResponseWriter, r *http.Request) error {
			return JSON(w, http.StatusOK, desk.Helplines)
		})
	s.Route("POST", "/api/v1/templates", auth.PermTemplatesManage, OpDoc{Summary: "Create a reply template", Tags: tags,
		Description: "bodies maps en, kn and hi to the text; variables {ref}, {station}, {station_phone}, {helpline}, {name}, {action}.",
		Request:     desk.Template{}, Response: desk.Template{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			var t desk.Template
			if err := DecodeJSON(r, &t); err != nil {
				return err
			}
			t.ID, t.Version = 0, 0
			got, err := d.SaveTemplate(r.Context(), t, Principal(r).UserID)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "template.create", Target: "template:" + strconv.FormatInt(got.ID, 10), Details: map[string]any{"name": got.Name}})
			return JSON(w, http.StatusCreated, got)
		})
	s.Route("PUT", "/api/v1/templates/{id}", auth.PermTemplatesManage, OpDoc{Summary: "Replace a reply template (version: refuse if changed since)", Tags: tags,
		Params: caseIDParam, Request: desk.Template{}, Response: desk.Template{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var t desk.Template
			if err := DecodeJSON(r, &t); err != nil {
				return err
			}
			t.ID = id
			got, err := d.SaveTemplate(r.Context(), t, Principal(r).UserID)
			if err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "template.update", Target: "template:" + strconv.FormatInt(id, 10), Details: map[string]any{"name": got.Name}})
			return JSON(w, http.StatusOK, got)
		})
	s.Route("DELETE", "/api/v1/templates/{id}", auth.PermTemplatesManage, OpDoc{Summary: "Delete a reply template", Tags: tags, Params: caseIDParam},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			if err := d.DeleteTemplate(r.Context(), id); err != nil {
				return err
			}
			auth.Audit(r.Context(), d.DB(), auth.Entry{Action: "template.delete", Target: "template:" + strconv.FormatInt(id, 10)})
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.Route("POST", "/api/v1/cases/{id}/draft", auth.PermRepliesSend, OpDoc{Summary: "Fill a template for this case: the draft of a reply", Tags: tags,
		Description: "Nothing is sent: post the (edited) text to /api/v1/cases/{id}/replies. missing names variables the case has no value for.",
		Params:      caseIDParam, Request: draftRequest{}, Response: desk.Rendered{}},
		func(w http.ResponseWriter, r *http.Request) error {
			id, err := PathID(r, "id")
			if err != nil {
				return err
			}
			var req draftRequest
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			out, err := d.RenderTemplate(r.Context(), req.TemplateID, id, scopeOf(r), req.Lang, viewerOf(r).ShowsAuthor)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, out)
		})
}
