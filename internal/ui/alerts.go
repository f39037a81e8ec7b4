package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/rules"
)

// alertPages are the watch floor's alerts: open ones first (live: a new,
// escalated or acknowledged alert anywhere redraws the list on every
// desk), acknowledged ones after.
type alertPages struct {
	u  *UI
	al *alert.Service
}

// AlertPages registers the alerts page (call from app.New).
func (u *UI) AlertPages(al *alert.Service) {
	h := &alertPages{u: u, al: al}
	u.Handle(Route{Method: "GET", Path: "/desk/watch/alerts", Perm: auth.PermAnalyticsRead, Summary: "Alerts",
		Nav: &Nav{Section: SectionWatch, Label: "alerts.tab", Order: 5}}, h.page)
	u.Stream(Route{Path: "/desk/watch/alerts/live", Perm: auth.PermAnalyticsRead, Summary: "Alerts live updates"},
		[]string{alert.SubjectChanged}, h.live)
	u.Handle(Route{Method: "POST", Path: "/desk/watch/alerts/{id}/acknowledge", Perm: auth.PermAlertsAck, Summary: "Acknowledge an alert"}, h.ack)
}

type alertsOpen struct {
	Open    []alert.Alert
	CanAck  bool
	CanOpen bool // may open a crisis room from an alert (crisis.go)
}

type alertsData struct {
	Live alertsOpen
	Done []alert.Alert
}

func (h *alertPages) open(r *http.Request) (alertsOpen, error) {
	open, err := h.al.List(r.Context(), alert.Filter{State: alert.StateOpen, Limit: 200})
	p := auth.FromContext(r.Context())
	return alertsOpen{Open: open, CanAck: p != nil && p.Can(auth.PermAlertsAck), CanOpen: p != nil && p.Can(auth.PermIncidentsManage)}, err
}

func (h *alertPages) page(w http.ResponseWriter, r *http.Request) error {
	o, err := h.open(r)
	if err != nil {
		return err
	}
	done, err := h.al.List(r.Context(), alert.Filter{State: alert.StateAcknowledged, Limit: 50})
	if err != nil {
		return err
	}
	return h.u.Render(w, r, http.StatusOK, "alerts.html", View{Title: "alerts.title", Data: alertsData{Live: o, Done: done}})
}

func (h *alertPages) live(r *http.Request, ev Event) ([]Frame, error) {
	o, err := h.open(r)
	if err != nil {
		return nil, err
	}
	html, err := h.u.RenderString(Lang(r), "alerts.html", "alerts-open", o)
	return []Frame{{Name: "alerts", HTML: html}}, err
}

func (h *alertPages) ack(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = h.al.Acknowledge(r.Context(), auth.FromContext(r.Context()), id, r.PostFormValue("note"))
	var inv *alert.Invalid
	var conf *alert.Conflict
	switch {
	case errors.As(err, &inv):
		h.u.Flash(r, FlashError, "alerts.err.note")
	case errors.As(err, &conf):
		h.u.Flash(r, FlashInfo, "alerts.already")
	case err != nil:
		return err
	default:
		h.u.Flash(r, FlashOK, "alerts.acknowledged")
	}
	if IsHTMX(r) {
		o, err := h.open(r)
		if err != nil {
			return err
		}
		return h.u.Fragment(w, r, http.StatusOK, "alerts.html", "alerts-open", o)
	}
	return h.u.Redirect(w, r, "/desk/watch/alerts#alert-"+strconv.FormatInt(id, 10))
}

func init() {
	// alerttitle says what an alert is about in the page's language: the
	// built-in detectors' words from the catalogue, a plugged-in
	// detector's own title otherwise.
	AddFunc("alerttitle", func(t Translator) any {
		return func(a alert.Alert) string {
			subj := a.Subject
			if a.Kind == alert.KindCategorySpike && t.Has("cat."+subj) {
				subj = t.T("cat." + subj)
			}
			if s := a.Detail.Names[t.lang]; s != "" {
				subj = s // a station's Kannada name
			}
			if a.Kind == alert.KindRumour && a.Detail.Station == "" {
				return t.T("alerts.kind.rumour.cluster.nowhere")
			}
			if key := "alerts.kind." + a.Kind; t.Has(key) {
				return t.T(key, subj)
			}
			if s := a.Detail.Title[t.lang]; s != "" {
				return s
			}
			if s := a.Detail.Title["en"]; s != "" {
				return s
			}
			return a.Kind + ": " + subj
		}
	})
	// alertevidence is what an alert stands on, in the page's language.
	AddFunc("alertevidence", func(t Translator) any {
		return func(a alert.Alert) string {
			d := a.Detail
			if a.Kind == alert.KindRumour {
				langs := make([]string, 0, len(d.Langs))
				for _, l := range d.Langs {
					if t.Has("langname." + l) {
						l = t.T("langname." + l)
					}
					langs = append(langs, l)
				}
				return t.T("alerts.rumour.evidence", Number(int64(len(d.PostIDs))), Number(int64(d.Accounts)), strings.Join(langs, ", "))
			}
			if a.Kind == rules.KindRuleAlert {
				return d.Message // the rule author's words
			}
			if d.Observed == 0 {
				return ""
			}
			return t.T("alerts.evidence", Number(d.Observed), strconv.FormatFloat(d.Expected, 'f', 1, 64), strconv.FormatFloat(d.Score, 'f', 1, 64))
		}
	})
	AddFunc("fixed1", func(t Translator) any {
		return func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	})
}
