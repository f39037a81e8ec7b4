package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/public"
)

// PublicAPI mounts the public site's JSON beside its pages (no login):
// the station finder and the accountability figures. Advisories are the
// Atom feeds.
func (s *Server) PublicAPI(f *public.Finder, acc *public.Accountability) {
	tags := []string{"public"}
	var (
		accMu          sync.Mutex
		accAt          time.Time
		accBody, accGz []byte
	)
	s.Route("GET", "/api/v1/public/stations", auth.PermPublic, OpDoc{Summary: "Find the police station serving a locality or landmark (English or Kannada)", Tags: tags,
		Params:   []Param{{Name: "q", Type: "string", Required: true, Description: "a place name, at most 120 characters"}},
		Response: public.Result{}}, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query().Get("q")
		if q == "" || !utf8.ValidString(q) || utf8.RuneCountInString(q) > public.MaxQuery {
			return &Error{Status: http.StatusBadRequest, Code: "invalid", Field: "q", Message: "give a place name of 1 to 120 characters"}
		}
		return publicJSON(w, r, f.Find(q))
	})
	s.Route("GET", "/api/v1/public/accountability", auth.PermPublic, OpDoc{Summary: "Cases, resolutions and median response and resolution minutes by station and month (last 6 months, IST)", Tags: tags,
		Response: []public.Month{}}, func(w http.ResponseWriter, r *http.Request) error {
		ms, at, err := acc.MonthsAt(r.Context())
		if err != nil {
			return err
		}
		// 200 KB of JSON for six months of every station: encoded and
		// compressed once per computation of the figures.
		accMu.Lock()
		defer accMu.Unlock()
		if !at.Equal(accAt) || accBody == nil {
			b, err := json.Marshal(ms)
			if err != nil {
				return err
			}
			accBody, accGz, accAt = append(b, '\n'), gzipped(append(b, '\n')), at
		}
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Add("Vary", "Accept-Encoding")
		body := accBody
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = accGz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return nil
	})
}

// publicJSON answers v, compressed for clients that take it.
func publicJSON(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	writePublic(w, r, http.StatusOK, "application/json; charset=utf-8", "", append(b, '\n'))
	return nil
}
