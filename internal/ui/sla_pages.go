package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/sla"
	"github.com/kaval-desk/kaval/internal/web"
)

// SLA pages: the targets, calendars and holidays (admin section, for
// those who manage automation) and the breach report (reports).
const (
	SLAPath       = "/desk/admin/sla"
	SLAReportPath = "/desk/reports/sla"
)

type slaPages struct {
	u  *UI
	st *sla.Store
}

// SLAPages registers the SLA configuration and breach report pages.
func (u *UI) SLAPages(st *sla.Store) {
	sp := &slaPages{u: u, st: st}
	u.Handle(Route{Method: "GET", Path: SLAPath, Perm: auth.PermRulesManage, Summary: "SLA targets, calendars and holidays",
		Nav: &Nav{Section: SectionAdmin, Label: "sla.tab", Order: 60}}, sp.page)
	u.Handle(Route{Method: "POST", Path: SLAPath, Perm: auth.PermRulesManage, Summary: "Save the SLA targets, calendars and holidays"}, sp.save)
	u.Handle(Route{Method: "GET", Path: SLAReportPath, Perm: auth.PermAnalyticsRead, Summary: "SLA breach report by unit, agent, category or platform",
		Nav: &Nav{Section: SectionReports, Label: "sla.report_tab", Order: 20}}, sp.report)
	u.Handle(Route{Method: "GET", Path: SLAReportPath + ".csv", Perm: auth.PermAnalyticsRead, Summary: "SLA breach report as CSV"}, sp.reportCSV)
}

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

type slaDay struct {
	Day         int
	Open, Close string // HH:MM, empty when closed
}

type slaCal struct {
	sla.Calendar
	Days []slaDay
}

type slaView struct {
	Config  sla.Config
	Cals    []slaCal
	NewCal  slaCal
	Blank   []int // indexes of the empty policy rows offered
	Error   string
	Detail  string
	Movable int
}

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func calView(c sla.Calendar) slaCal {
	v := slaCal{Calendar: c}
	for _, d := range weekdays {
		day := slaDay{Day: int(d)}
		if h, ok := c.Hours[d]; ok {
			day.Open, day.Close = hhmm(h[0]), hhmm(h[1])
		}
		v.Days = append(v.Days, day)
	}
	return v
}

func (sp *slaPages) page(w http.ResponseWriter, r *http.Request) error {
	c, err := sp.st.Load(r.Context())
	if err != nil {
		return err
	}
	return sp.render(w, r, http.StatusOK, c, "", "")
}

func (sp *slaPages) render(w http.ResponseWriter, r *http.Request, status int, c sla.Config, errKey, detail string) error {
	v := slaView{Config: c, Error: errKey, Detail: detail, NewCal: calView(sla.Calendar{Kind: sla.Business})}
	for _, cal := range c.Calendars {
		v.Cals = append(v.Cals, calView(cal))
	}
	v.Blank = []int{len(c.Policies), len(c.Policies) + 1}
	for _, h := range c.Holidays {
		if h.Note != "" {
			v.Movable++
		}
	}
	return sp.u.Render(w, r, status, "sla.html", View{Title: "sla.title", Data: v})
}

func minutesOf(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// parseSLAForm reads the page's one form into a configuration.
func parseSLAForm(r *http.Request) (sla.Config, string) {
	f := r.PostForm
	var c sla.Config
	c.WarnPercent, _ = strconv.Atoi(f.Get("warn_percent"))
	for i := 0; i < 500; i++ {
		p := fmt.Sprintf("p%d.", i)
		if !f.Has(p + "priority") {
			break
		}
		if f.Get(p+"remove") == "1" || (f.Get(p+"first") == "" && f.Get(p+"resolve") == "") {
			continue
		}
		var pol sla.Policy
		pol.Priority, _ = strconv.Atoi(f.Get(p + "priority"))
		pol.Category = strings.TrimSpace(f.Get(p + "category"))
		pol.FirstResponse, _ = strconv.Atoi(f.Get(p + "first"))
		pol.Resolve, _ = strconv.Atoi(f.Get(p + "resolve"))
		pol.CalendarID, _ = strconv.ParseInt(f.Get(p+"calendar"), 10, 64)
		c.Policies = append(c.Policies, pol)
	}
	readCal := func(p string) (sla.Calendar, string) {
		var cal sla.Calendar
		cal.ID, _ = strconv.ParseInt(f.Get(p+"id"), 10, 64)
		cal.Name, cal.Kind = f.Get(p+"name"), f.Get(p+"kind")
		cal.Hours = map[time.Weekday][2]int{}
		for _, d := range weekdays {
			o, c := f.Get(fmt.Sprintf("%sd%d.open", p, d)), f.Get(fmt.Sprintf("%sd%d.close", p, d))
			if o == "" && c == "" {
				continue
			}
			om, ok1 := minutesOf(o)
			cm, ok2 := minutesOf(c)
			if !ok1 || !ok2 {
				return cal, "sla.invalid_hours"
			}
			if cm == 0 {
				cm = 24 * 60 // closing at 00:00 is midnight
			}
			cal.Hours[d] = [2]int{om, cm}
		}
		return cal, ""
	}
	for i := 0; i < 50; i++ {
		p := fmt.Sprintf("c%d.", i)
		if !f.Has(p + "id") {
			break
		}
		if f.Get(p+"remove") == "1" {
			continue
		}
		cal, bad := readCal(p)
		if bad != "" {
			return c, bad
		}
		c.Calendars = append(c.Calendars, cal)
	}
	if strings.TrimSpace(f.Get("cnew.name")) != "" {
		cal, bad := readCal("cnew.")
		if bad != "" {
			return c, bad
		}
		c.Calendars = append(c.Calendars, cal)
	}
	for i := 0; i < 1000; i++ {
		p := fmt.Sprintf("h%d.", i)
		if !f.Has(p + "day") {
			break
		}
		if f.Get(p+"remove") == "1" {
			continue
		}
		c.Holidays = append(c.Holidays, sla.Holiday{Day: f.Get(p + "day"), Name: f.Get(p + "name"), Note: f.Get(p + "note")})
	}
	if d := strings.TrimSpace(f.Get("hnew.day")); d != "" {
		c.Holidays = append(c.Holidays, sla.Holiday{Day: d, Name: f.Get("hnew.name")})
	}
	return c, ""
}

func (sp *slaPages) save(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	c, bad := parseSLAForm(r)
	if bad != "" {
		return sp.render(w, r, http.StatusUnprocessableEntity, c, bad, "")
	}
	_, err := sp.st.Save(r.Context(), c)
	var ve *sla.ValidationError
	if errors.As(err, &ve) {
		return sp.render(w, r, http.StatusUnprocessableEntity, c, "sla.invalid_"+ve.Field, ve.Message)
	}
	if err != nil {
		return err
	}
	sp.u.Flash(r, FlashOK, "sla.saved")
	return sp.u.Redirect(w, r, SLAPath)
}

type reportView struct {
	Report     sla.Report
	By         string
	From, To   string // YYYY-MM-DD, To inclusive for people
	Dimensions []string
	Query      string
}

func (sp *slaPages) load(r *http.Request) (sla.Report, error) {
	now := sp.u.now()
	by, from, to, err := web.BreachPeriod(r, now)
	if err != nil {
		return sla.Report{}, err
	}
	if r.URL.Query().Get("to") != "" {
		to = to.AddDate(0, 0, 1) // the page's "to" is the last day shown
	}
	return sp.st.BreachReport(r.Context(), by, from, to, now)
}

func (sp *slaPages) report(w http.ResponseWriter, r *http.Request) error {
	rep, err := sp.load(r)
	var ve *sla.ValidationError
	if errors.As(err, &ve) {
		sp.u.Flash(r, FlashError, "sla.report_invalid")
		r.URL.RawQuery = ""
		rep, err = sp.load(r)
	}
	if err != nil {
		return err
	}
	v := reportView{Report: rep, By: rep.By, From: rep.From.In(sla.IST).Format(time.DateOnly),
		To: rep.To.In(sla.IST).AddDate(0, 0, -1).Format(time.DateOnly), Dimensions: sla.Dimensions, Query: r.URL.RawQuery}
	return sp.u.Render(w, r, http.StatusOK, "sla_report.html", View{Title: "sla.report_title", Data: v})
}

func (sp *slaPages) reportCSV(w http.ResponseWriter, r *http.Request) error {
	rep, err := sp.load(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sla-breaches-`+rep.By+"-"+rep.From.In(sla.IST).Format(time.DateOnly)+`.csv"`)
	return rep.WriteCSV(w)
}

func init() {
	// pct shows a share (0–1) as a percentage with one decimal.
	AddFunc("pct", func(Translator) any {
		return func(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + " %" }
	})
}
