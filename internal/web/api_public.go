package web

import (
	"net/http"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/public"
)

// PublicAPI mounts the public site's JSON beside its pages (no login):
// the station finder and the accountability figures. Advisories are the
// Atom feeds.
func (s *Server) PublicAPI(f *public.Finder, acc *public.Accountability) {
	tags := []string{"public"}
	s.Route("GET", "/api/v1/public/stations", auth.PermPublic, OpDoc{Summary: "Find the police station serving a locality or landmark (English or Kannada)", Tags: tags,
		Params:   []Param{{Name: "q", Type: "string", Required: true, Description: "a place name, at most 120 characters"}},
		Response: public.Result{}}, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query().Get("q")
		if q == "" || !utf8.ValidString(q) || utf8.RuneCountInString(q) > public.MaxQuery {
			return &Error{Status: http.StatusBadRequest, Code: "invalid", Field: "q", Message: "give a place name of 1 to 120 characters"}
		}
		return JSON(w, http.StatusOK, f.Find(q))
	})
	s.Route("GET", "/api/v1/public/accountability", auth.PermPublic, OpDoc{Summary: "Cases, resolutions and median response and resolution minutes by station and month (last 6 months, IST)", Tags: tags,
		Response: []public.Month{}}, func(w http.ResponseWriter, r *http.Request) error {
		ms, err := acc.Months(r.Context())
		if err != nil {
			return err
		}
		return JSON(w, http.StatusOK, ms)
	})
}
