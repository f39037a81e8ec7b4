package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/report"
)

// ReportsAPI mounts the daily and weekly reports (analytics:read to list,
// generate and download; pii:view and an audit record for an unredacted
// one) and their e-mail schedules (reports:schedule). labels gives the
// desk's catalogue in a language, for the PDF.
func (s *Server) ReportsAPI(svc *report.Service, labels func(lang string) report.T) {
	h := &reportHandlers{svc: svc, labels: labels}
	tags := []string{"Reports"}
	s.Route("GET", "/api/v1/reports", auth.PermAnalyticsRead, OpDoc{Summary: "Stored reports, newest first", Tags: tags,
		Response: []report.Summary{}}, h.list)
	s.Route("POST", "/api/v1/reports", auth.PermAnalyticsRead, OpDoc{Summary: "Build and store a unit's daily or weekly report (redacted)", Tags: tags,
		Description: "kind is daily or weekly; unit_id 0 is the whole force; day (YYYY-MM-DD, IST) is any day of the period (a week runs Monday to Sunday); empty is the last complete period.",
		Request:     reportRequest{}, Response: report.Report{}}, h.generate)
	s.Route("GET", "/api/v1/reports/{id}", auth.PermAnalyticsRead, OpDoc{Summary: "A stored report as JSON, CSV or PDF", Tags: tags,
		Params: []Param{{Name: "format", Type: "string", Description: "json (default), csv or pdf"},
			{Name: "lang", Type: "string", Description: "en (default) or kn: the PDF's language"},
			{Name: "unredacted", Type: "boolean", Description: "1: personal data shown (pii:view; audited; rebuilt as of now, never stored)"}},
		Response: report.Report{}}, h.get)
	s.Route("GET", "/api/v1/reports/schedules", auth.PermReportsSchedule, OpDoc{Summary: "E-mail schedules of reports", Tags: tags,
		Response: []report.Schedule{}}, h.schedules)
	s.Route("POST", "/api/v1/reports/schedules", auth.PermReportsSchedule, OpDoc{Summary: "Add an e-mail schedule (audited)", Tags: tags,
		Description: "One recipient address, one unit (0: the force), daily or weekly, in en or kn. The report of each period is sent once, after the period ends.",
		Request:     reportScheduleRequest{}, Response: report.Schedule{}}, h.addSchedule)
	s.Route("DELETE", "/api/v1/reports/schedules/{id}", auth.PermReportsSchedule, OpDoc{Summary: "Remove an e-mail schedule (audited)", Tags: tags}, h.deleteSchedule)
}

type reportHandlers struct {
	svc    *report.Service
	labels func(lang string) report.T
}

type reportRequest struct {
	Kind   string `json:"kind"`
	UnitID int64  `json:"unit_id"`
	Day    string `json:"day,omitempty"`
}

type reportScheduleRequest struct {
	Kind   string `json:"kind"`
	UnitID int64  `json:"unit_id"`
	Email  string `json:"email"`
	Lang   string `json:"lang"`
}

func (h *reportHandlers) list(w http.ResponseWriter, r *http.Request) error {
	n, err := QueryInt(r, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	out, err := h.svc.Store.List(r.Context(), int(n))
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *reportHandlers) generate(w http.ResponseWriter, r *http.Request) error {
	var req reportRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	day, err := report.ParseDay(req.Kind, req.Day, h.svc.Now())
	if err != nil {
		return err
	}
	rep, err := h.svc.Generate(r.Context(), auth.FromContext(r.Context()), req.Kind, req.UnitID, day)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusCreated, rep)
}

func (h *reportHandlers) get(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rep, err := h.svc.Open(r.Context(), auth.FromContext(r.Context()), id, q.Get("unredacted") == "1")
	if err != nil {
		return err
	}
	return WriteReport(w, rep, q.Get("format"), q.Get("lang"), h.labels)
}

// WriteReport answers with the report as JSON, CSV or PDF (shared with
// the desk's download links). The file name says the kind, unit id and
// first day; nothing of the unit's name goes into a header.
func WriteReport(w http.ResponseWriter, rep report.Report, format, lang string, labels func(string) report.T) error {
	if lang != "kn" {
		lang = "en"
	}
	name := fmt.Sprintf("kaval-%s-%d-%s", rep.Kind, rep.Unit.ID, rep.Since.In(report.IST).Format("2006-01-02"))
	if !rep.Redacted {
		w.Header().Set("Cache-Control", "no-store")
	}
	switch format {
	case "", "json":
		return JSON(w, http.StatusOK, rep)
	case "csv":
		var b bytes.Buffer
		if err := report.CSV(&b, rep); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		w.Write(b.Bytes())
		return nil
	case "pdf":
		b, err := report.PDF(rep, lang, labels(lang))
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
		w.Write(b)
		return nil
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "format", Message: "format is json, csv or pdf"}
}

func (h *reportHandlers) schedules(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.Store.Schedules(r.Context())
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *reportHandlers) addSchedule(w http.ResponseWriter, r *http.Request) error {
	var req reportScheduleRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	sc, err := h.svc.AddSchedule(r.Context(), auth.FromContext(r.Context()),
		report.Schedule{Kind: req.Kind, Unit: report.Unit{ID: req.UnitID}, Email: req.Email, Lang: req.Lang})
	if err != nil {
		return err
	}
	return JSON(w, http.StatusCreated, sc)
}

func (h *reportHandlers) deleteSchedule(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteSchedule(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
