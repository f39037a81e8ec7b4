package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/web"
)

// CrisisPath is the crisis rooms' list.
const CrisisPath = "/desk/crisis"

// crisisPages are the crisis rooms (internal/crisis): the list and the
// open form (crisis.go), a room (crisis_room.go), its actions
// (crisis_actions.go) and its report and the desk's surge banner
// (crisis_report.go).
type crisisPages struct {
	u   *UI
	c   *crisis.Service
	al  *alert.Service
	pub *publish.Service
	d   *desk.Desk
}

// CrisisPages registers the Crisis section (call from app.New).
func (u *UI) CrisisPages(c *crisis.Service, al *alert.Service, pub *publish.Service, d *desk.Desk) {
	h := &crisisPages{u: u, c: c, al: al, pub: pub, d: d}
	read, run := auth.PermPostsRead, auth.PermIncidentsManage
	u.Handle(Route{Method: "GET", Path: CrisisPath, Perm: read, Summary: "Crisis rooms",
		Nav: &Nav{Section: SectionCrisis, Label: "crisis.tab", Order: 10}}, h.list)
	u.Handle(Route{Method: "POST", Path: CrisisPath, Perm: run, Summary: "Open a crisis room by hand, or from an alert (alert_id)"}, h.open)
	h.roomRoutes()
	h.actionRoutes()
	h.reportRoutes()
}

func roomPath(id int64) string { return CrisisPath + "/" + strconv.FormatInt(id, 10) }

type crisisList struct {
	Open, Closed []crisis.Room
	CanOpen      bool
	Severities   []string
}

func (h *crisisPages) list(w http.ResponseWriter, r *http.Request) error {
	open, err := h.c.List(r.Context(), crisis.StateOpen, 100)
	if err != nil {
		return err
	}
	closed, err := h.c.List(r.Context(), crisis.StateClosed, 50)
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	return h.u.Render(w, r, http.StatusOK, "crisis.html", View{Title: "crisis.title", Data: crisisList{Open: open, Closed: closed,
		CanOpen: p.Can(auth.PermIncidentsManage), Severities: []string{alert.Warning, alert.Critical, alert.Info}}})
}

func (h *crisisPages) open(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	if r.PostForm.Has("alert_id") {
		return h.fromAlert(w, r)
	}
	var stations []string
	for _, s := range strings.FieldsFunc(r.PostFormValue("stations"), func(c rune) bool { return c == ',' || c == '\n' }) {
		stations = append(stations, strings.TrimSpace(s))
	}
	rm, err := h.c.Open(r.Context(), auth.FromContext(r.Context()), crisis.OpenRequest{Title: r.PostFormValue("title"),
		Severity: r.PostFormValue("severity"), Area: r.PostFormValue("area"), Stations: stations})
	if err != nil {
		if h.refused(r, err) {
			return h.u.Redirect(w, r, CrisisPath)
		}
		return err
	}
	h.u.Flash(r, FlashOK, "crisis.opened")
	return h.u.Redirect(w, r, roomPath(rm.ID))
}

func (h *crisisPages) fromAlert(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PostFormValue("alert_id"), 10, 64)
	if err != nil || id <= 0 {
		h.u.Flash(r, FlashError, "crisis.err.invalid")
		return h.u.Redirect(w, r, "/desk/watch/alerts")
	}
	rm, created, err := h.c.OpenFromAlert(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		if h.refused(r, err) {
			return h.u.Redirect(w, r, "/desk/watch/alerts")
		}
		return err
	}
	if created {
		h.u.Flash(r, FlashOK, "crisis.opened")
	} else {
		h.u.Flash(r, FlashInfo, "crisis.already_open")
	}
	return h.u.Redirect(w, r, roomPath(rm.ID))
}

// refused flashes a refusal a person can act on and reports whether err
// was one (else it is the error page's).
func (h *crisisPages) refused(r *http.Request, err error) bool {
	var inv *crisis.Invalid
	var conf *crisis.Conflict
	switch {
	case errors.As(err, &inv):
		key := "crisis.err." + inv.Field
		if h.u.cat["en"][key] == nil {
			key = "crisis.err.invalid"
		}
		h.u.Flash(r, FlashError, key)
	case errors.As(err, &conf):
		h.u.Flash(r, FlashError, "crisis.conflict."+conf.Code)
	case errors.Is(err, auth.ErrForbidden):
		h.u.Flash(r, FlashError, "crisis.err.forbidden")
	default:
		if pe, ok := publish.AsError(err); ok {
			h.u.Flash(r, FlashError, "crisis.advisory_refused", pe.Msg)
			return true
		}
		return false
	}
	return true
}
