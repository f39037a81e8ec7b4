package web

import (
	"net/http"
	"slices"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
)

// DeskLangs are the languages the desk's pages speak.
var DeskLangs = []string{"en", "kn"}

type langBody struct {
	Lang string `json:"lang"` // "en" or "kn"; "" when never chosen
}

// meLangAPI: the language a person chose for the desk, stored as theirs
// (the pages' language switch writes the same), so it follows them to any
// browser they log in on.
func (s *Server) meLangAPI(d *desk.Desk) {
	tags := []string{"me"}
	s.Route("GET", "/api/v1/me/lang", auth.PermAuthenticated, OpDoc{Summary: "My language on the desk", Tags: tags, Response: langBody{}},
		func(w http.ResponseWriter, r *http.Request) error {
			l, err := d.UserLang(r.Context(), Principal(r).UserID)
			if err != nil {
				return err
			}
			return JSON(w, http.StatusOK, langBody{Lang: l})
		})
	s.Route("PUT", "/api/v1/me/lang", auth.PermAuthenticated, OpDoc{Summary: "Set my language on the desk (en or kn)", Tags: tags, Request: langBody{}, Response: langBody{}},
		func(w http.ResponseWriter, r *http.Request) error {
			var req langBody
			if err := DecodeJSON(r, &req); err != nil {
				return err
			}
			if !slices.Contains(DeskLangs, req.Lang) {
				return invalid("lang", "lang must be en or kn")
			}
			if err := d.SetUserLang(r.Context(), Principal(r).UserID, req.Lang); err != nil {
				return err
			}
			return JSON(w, http.StatusOK, req)
		})
}
