package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/report"
	"github.com/kaval-desk/kaval/internal/unit"
	"github.com/kaval-desk/kaval/internal/web"
)

// Report pages: the list of reports with a form to build one for a unit
// and period, one report as a page with its PDF and CSV, and the e-mail
// schedules. Reports are stored redacted; a person with pii:view may open
// one with personal data (a POST, audited, rebuilt and never stored).
const ReportsPath = "/desk/reports"

type reportPages struct {
	u     *UI
	svc   *report.Service
	units *unit.Store
}

// ReportPages registers the report pages.
func (u *UI) ReportPages(svc *report.Service, units *unit.Store) {
	rp := &reportPages{u: u, svc: svc, units: units}
	u.Handle(Route{Method: "GET", Path: ReportsPath, Perm: auth.PermAnalyticsRead, Summary: "Daily briefs and weekly reports",
		Nav: &Nav{Section: SectionReports, Label: "report.tab", Order: 10}}, rp.list)
	u.Handle(Route{Method: "POST", Path: ReportsPath, Perm: auth.PermAnalyticsRead, Summary: "Build a unit's daily or weekly report"}, rp.generate)
	u.Handle(Route{Method: "GET", Path: ReportsPath + "/{id}", Perm: auth.PermAnalyticsRead, Summary: "One report"}, rp.show)
	u.Handle(Route{Method: "POST", Path: ReportsPath + "/{id}/unmask", Perm: auth.PermPIIView, Summary: "One report with personal data (audited)"}, rp.unmask)
	u.Handle(Route{Method: "GET", Path: ReportsPath + "/{id}/pdf", Perm: auth.PermAnalyticsRead, Summary: "One report as PDF"}, rp.download("pdf"))
	u.Handle(Route{Method: "GET", Path: ReportsPath + "/{id}/csv", Perm: auth.PermAnalyticsRead, Summary: "One report as CSV"}, rp.download("csv"))
	u.Handle(Route{Method: "GET", Path: ReportsPath + "/schedules", Perm: auth.PermReportsSchedule, Summary: "E-mail schedules of reports",
		Nav: &Nav{Section: SectionReports, Label: "report.schedules_tab", Order: 30}}, rp.schedules)
	u.Handle(Route{Method: "POST", Path: ReportsPath + "/schedules", Perm: auth.PermReportsSchedule, Summary: "Add an e-mail schedule"}, rp.addSchedule)
	u.Handle(Route{Method: "POST", Path: ReportsPath + "/schedules/{id}/delete", Perm: auth.PermReportsSchedule, Summary: "Remove an e-mail schedule"}, rp.deleteSchedule)
}

// Labels is the catalogue in lang as the report package's translator
// (the PDF, the e-mails).
func (u *UI) Labels(lang string) report.T {
	if u.cat[lang] == nil {
		lang = "en"
	}
	return translator{lang: lang, msgs: u.cat[lang]}.T
}

// unitOption is one unit in the form's list.
type unitOption struct {
	ID       int64
	Name     string
	Kind     string
	Selected bool
}

type reportsView struct {
	Reports  []report.Summary
	Units    []unitOption
	Kind     string
	Day      string
	Error    string
	Detail   string
	Today    string
	CanSched bool
}

func (rp *reportPages) options(r *http.Request, selected int64) ([]unitOption, error) {
	us, err := rp.units.List(r.Context(), "")
	if err != nil {
		return nil, err
	}
	lang := Lang(r)
	out := []unitOption{{ID: 0, Name: rp.u.Labels(lang)("report.unit.force"), Kind: "force", Selected: selected == 0}}
	order := map[string]int{"division": 1, "subdivision": 2, "station": 3, "traffic_division": 4, "traffic_subdivision": 5, "traffic_station": 6}
	for k := 1; k <= 6; k++ {
		for _, x := range us {
			if order[x.Kind] != k {
				continue
			}
			name := x.Name
			if lang == "kn" && x.NameKn != "" {
				name = x.NameKn
			}
			out = append(out, unitOption{ID: x.ID, Name: name, Kind: x.Kind, Selected: x.ID == selected})
		}
	}
	return out, nil
}

func (rp *reportPages) render(w http.ResponseWriter, r *http.Request, status int, v reportsView, unitID int64) error {
	var err error
	if v.Reports, err = rp.svc.Store.List(r.Context(), 50); err != nil {
		return err
	}
	if v.Units, err = rp.options(r, unitID); err != nil {
		return err
	}
	if v.Kind == "" {
		v.Kind = report.Daily
	}
	v.Today = rp.u.now().In(report.IST).Format("2006-01-02")
	v.CanSched = auth.FromContext(r.Context()).Can(auth.PermReportsSchedule)
	return rp.u.Render(w, r, status, "reports.html", View{Title: "report.title", Data: v})
}

func (rp *reportPages) list(w http.ResponseWriter, r *http.Request) error {
	return rp.render(w, r, http.StatusOK, reportsView{}, 0)
}

func (rp *reportPages) generate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	kind, dayText := r.PostForm.Get("kind"), r.PostForm.Get("day")
	unitID, _ := strconv.ParseInt(r.PostForm.Get("unit"), 10, 64)
	fail := func(err error) error {
		var inv *report.Invalid
		if errors.As(err, &inv) {
			return rp.render(w, r, http.StatusUnprocessableEntity, reportsView{Kind: kind, Day: dayText, Error: "report.invalid_" + inv.Field}, unitID)
		}
		return err
	}
	day, err := report.ParseDay(kind, dayText, rp.u.now())
	if err != nil {
		return fail(err)
	}
	rep, err := rp.svc.Generate(r.Context(), auth.FromContext(r.Context()), kind, unitID, day)
	if err != nil {
		return fail(err)
	}
	rp.u.Flash(r, FlashOK, "report.built_flash")
	return rp.u.Redirect(w, r, fmt.Sprintf("%s/%d", ReportsPath, rep.ID))
}

type oneReportView struct {
	R       report.Report
	Unit    string
	Heading string
	Period  string
	CanPII  bool
}

func (rp *reportPages) page(w http.ResponseWriter, r *http.Request, unredacted bool) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	rep, err := rp.svc.Open(r.Context(), p, id, unredacted)
	if err != nil {
		return err
	}
	t := rp.u.Labels(Lang(r))
	if unredacted {
		w.Header().Set("Cache-Control", "no-store")
	}
	return rp.u.Render(w, r, http.StatusOK, "report.html", View{Title: "report.title", Data: oneReportView{R: rep,
		Unit: rep.Unit.In(Lang(r), t), Heading: rep.Heading(Lang(r), t), Period: rep.PeriodText(), CanPII: p.Can(auth.PermPIIView)}})
}

func (rp *reportPages) show(w http.ResponseWriter, r *http.Request) error {
	return rp.page(w, r, false)
}

func (rp *reportPages) unmask(w http.ResponseWriter, r *http.Request) error {
	return rp.page(w, r, true)
}

func (rp *reportPages) download(format string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		rep, err := rp.svc.Open(r.Context(), auth.FromContext(r.Context()), id, false)
		if err != nil {
			return err
		}
		return web.WriteReport(w, rep, format, Lang(r), rp.u.Labels)
	}
}

type schedulesView struct {
	Schedules []report.Schedule
	Units     []unitOption
	Kind      string
	Email     string
	Lang      string
	Error     string
}

func (rp *reportPages) renderSchedules(w http.ResponseWriter, r *http.Request, status int, v schedulesView, unitID int64) error {
	var err error
	if v.Schedules, err = rp.svc.Store.Schedules(r.Context()); err != nil {
		return err
	}
	if v.Units, err = rp.options(r, unitID); err != nil {
		return err
	}
	if v.Kind == "" {
		v.Kind = report.Daily
	}
	if v.Lang == "" {
		v.Lang = Lang(r)
	}
	return rp.u.Render(w, r, status, "report_schedules.html", View{Title: "report.schedules_title", Data: v})
}

func (rp *reportPages) schedules(w http.ResponseWriter, r *http.Request) error {
	return rp.renderSchedules(w, r, http.StatusOK, schedulesView{}, 0)
}

func (rp *reportPages) addSchedule(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	unitID, _ := strconv.ParseInt(f.Get("unit"), 10, 64)
	sc := report.Schedule{Kind: f.Get("kind"), Unit: report.Unit{ID: unitID}, Email: strings.TrimSpace(f.Get("email")), Lang: f.Get("lang")}
	if _, err := rp.svc.AddSchedule(r.Context(), auth.FromContext(r.Context()), sc); err != nil {
		var inv *report.Invalid
		if errors.As(err, &inv) {
			return rp.renderSchedules(w, r, http.StatusUnprocessableEntity, schedulesView{Kind: sc.Kind, Email: sc.Email, Lang: sc.Lang,
				Error: "report.invalid_" + inv.Field}, unitID)
		}
		return err
	}
	rp.u.Flash(r, FlashOK, "report.schedule_saved")
	return rp.u.Redirect(w, r, ReportsPath+"/schedules")
}

func (rp *reportPages) deleteSchedule(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := rp.svc.DeleteSchedule(r.Context(), id); err != nil {
		return err
	}
	rp.u.Flash(r, FlashOK, "report.schedule_deleted")
	return rp.u.Redirect(w, r, ReportsPath+"/schedules")
}

func init() {
	// rlabel names a report's value (category, platform, sentiment,
	// language, severity) in the page's language, or shows it as it is.
	AddFunc("rlabel", func(t Translator) any {
		return func(family, v string) string { return report.Label(t.T, family, v) }
	})
	// rday is an IST date, language-neutral (2026-12-06).
	AddFunc("rday", func(Translator) any {
		return func(v any) string { return toTime(v).In(report.IST).Format("2006-01-02") }
	})
}
