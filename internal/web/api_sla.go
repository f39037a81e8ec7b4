package web

import (
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/sla"
)

// SLAAPI mounts the SLA configuration (targets per priority and category,
// calendars, Karnataka holidays, the warning share: rules:manage to
// change, like the automation it drives) and the breach report
// (analytics:read), as JSON or CSV.
func (s *Server) SLAAPI(st *sla.Store) {
	h := &slaHandlers{st: st}
	tags := []string{"SLA"}
	s.Route("GET", "/api/v1/sla", auth.PermCasesRead, OpDoc{Summary: "The SLA configuration: targets, calendars, holidays, warning share", Tags: tags,
		Response: sla.Config{}}, h.get)
	s.Route("PUT", "/api/v1/sla", auth.PermRulesManage, OpDoc{Summary: "Replace the SLA configuration (validated whole; audited)", Tags: tags,
		Description: "Every priority needs a policy with an empty category; calendars are matched by id (0 creates one), and one left out is deleted. Open cases' deadlines follow within a sweep.",
		Request:     sla.Config{}, Response: sla.Config{}}, h.put)
	s.Route("GET", "/api/v1/sla/breaches", auth.PermAnalyticsRead, OpDoc{Summary: "Breach report: cases opened in a period that missed a deadline, grouped", Tags: tags,
		Params: []Param{{Name: "by", Type: "string", Description: "unit, agent, category or platform (default unit)"},
			{Name: "from", Type: "string", Description: "YYYY-MM-DD (IST), default 7 days ago"},
			{Name: "to", Type: "string", Description: "YYYY-MM-DD (IST), exclusive, default tomorrow"},
			{Name: "format", Type: "string", Description: "json (default) or csv"}},
		Response: sla.Report{}}, h.breaches)
}

type slaHandlers struct{ st *sla.Store }

func (h *slaHandlers) get(w http.ResponseWriter, r *http.Request) error {
	c, err := h.st.Load(r.Context())
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, c)
}

func (h *slaHandlers) put(w http.ResponseWriter, r *http.Request) error {
	var c sla.Config
	if err := DecodeJSON(r, &c); err != nil {
		return err
	}
	out, err := h.st.Save(r.Context(), c)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

// BreachPeriod reads ?by, ?from and ?to for the breach report (shared with
// the desk's report page).
func BreachPeriod(r *http.Request, now time.Time) (by string, from, to time.Time, err error) {
	q := r.URL.Query()
	by = q.Get("by")
	if by == "" {
		by = "unit"
	}
	today := time.Date(now.In(sla.IST).Year(), now.In(sla.IST).Month(), now.In(sla.IST).Day(), 0, 0, 0, 0, sla.IST)
	from, to = today.AddDate(0, 0, -7), today.AddDate(0, 0, 1)
	if v := q.Get("from"); v != "" {
		if from, err = time.ParseInLocation(time.DateOnly, v, sla.IST); err != nil {
			return by, from, to, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "from", Message: "from is a date, YYYY-MM-DD"}
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.ParseInLocation(time.DateOnly, v, sla.IST); err != nil {
			return by, from, to, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "to", Message: "to is a date, YYYY-MM-DD"}
		}
	}
	return by, from, to, nil
}

func (h *slaHandlers) breaches(w http.ResponseWriter, r *http.Request) error {
	now := time.Now()
	by, from, to, err := BreachPeriod(r, now)
	if err != nil {
		return err
	}
	rep, err := h.st.BreachReport(r.Context(), by, from, to, now)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="sla-breaches-`+by+"-"+from.Format(time.DateOnly)+`.csv"`)
		return rep.WriteCSV(w)
	}
	return JSON(w, http.StatusOK, rep)
}
