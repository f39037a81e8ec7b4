package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/sandbox"
	"github.com/kaval-desk/kaval/internal/web"
)

// TrainingPath is the training sandbox: practice shifts on a desk apart
// from the live one.
const TrainingPath = "/desk/training"

type trainingPages struct {
	u *UI
	m *sandbox.Manager
}

func (tp *trainingPages) routes() {
	u := tp.u
	const perm = auth.PermTraining
	u.Handle(Route{Method: "GET", Path: TrainingPath, Perm: perm, Summary: "Practice: start a scored practice shift, my past ones",
		Nav: &Nav{Section: SectionInbox, Label: "training.tab", Order: 40}}, tp.home)
	u.Handle(Route{Method: "POST", Path: TrainingPath, Perm: perm, Summary: "Start a practice shift"}, tp.start)
	u.Handle(Route{Method: "GET", Path: TrainingPath + "/{id}", Perm: perm, Summary: "A practice shift's desk, or its scores"}, tp.desk)
	u.Handle(Route{Method: "GET", Path: TrainingPath + "/{id}/arrived", Perm: perm, Summary: "How many practice posts arrived (polled)"}, tp.arrived)
	u.Handle(Route{Method: "POST", Path: TrainingPath + "/{id}/cases/{case}", Perm: perm, Summary: "Reply to, escalate or close a practice case"}, tp.act)
	u.Handle(Route{Method: "POST", Path: TrainingPath + "/{id}/finish", Perm: perm, Summary: "Finish and score a practice shift"}, tp.finish)
	u.Handle(Route{Method: "GET", Path: TrainingPath + "/scores", Perm: auth.PermShiftsManage, Summary: "Trainees' scores over time",
		Nav: &Nav{Section: SectionInbox, Label: "training.scores_tab", Order: 45}}, tp.scores)
}

type trainingHome struct {
	Scenarios []sandbox.Scenario
	Speeds    []int
	Sessions  []sandbox.Info
}

func (tp *trainingPages) home(w http.ResponseWriter, r *http.Request) error {
	ss, err := tp.m.Sessions(r.Context(), auth.FromContext(r.Context()).UserID, 50)
	if err != nil {
		return err
	}
	return tp.u.Render(w, r, http.StatusOK, "training.html", View{Title: "training.title",
		Data: trainingHome{Scenarios: sandbox.Scenarios, Speeds: sandbox.Speeds, Sessions: ss}})
}

func (tp *trainingPages) start(w http.ResponseWriter, r *http.Request) error {
	speed, _ := strconv.Atoi(r.PostFormValue("speed"))
	info, err := tp.m.Start(r.Context(), auth.FromContext(r.Context()), r.PostFormValue("scenario"), speed)
	var ve *sandbox.ValidationError
	if errors.As(err, &ve) {
		tp.u.Flash(r, FlashError, "training.invalid")
		return tp.u.Redirect(w, r, TrainingPath)
	}
	if err != nil {
		return err
	}
	tp.u.Flash(r, FlashOK, "training.started")
	return tp.u.Redirect(w, r, TrainingPath+"/"+strconv.FormatInt(info.ID, 10))
}

type trainingDesk struct {
	sandbox.Desk
	Langs []string
}

func (tp *trainingPages) desk(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	info, err := tp.m.Info(r.Context(), id, p.UserID)
	if sandbox.IsNotFound(err) || (err == nil && info.Status != sandbox.StatusRunning) {
		// A finished shift (or one on another replica) shows its scores.
		list, lerr := tp.m.Sessions(r.Context(), p.UserID, 200)
		if lerr != nil {
			return lerr
		}
		for _, s := range list {
			if s.ID == id {
				return tp.u.Render(w, r, http.StatusOK, "training_score.html", View{Title: "training.score_title", Data: s})
			}
		}
		return err
	}
	if err != nil {
		return err
	}
	d, err := tp.m.Desk(r.Context(), id, p)
	if err != nil {
		return err
	}
	// Lists mask personal data for everyone, as the live inbox does.
	for i := range d.Cases {
		privacy.Viewer{}.Case(&d.Cases[i].Case)
		privacy.Viewer{}.Posts(d.Cases[i].Posts)
	}
	return tp.u.Render(w, r, http.StatusOK, "training_desk.html", View{Title: "training.desk_title",
		Data: trainingDesk{Desk: d, Langs: desk.TemplateLangs}})
}

func (tp *trainingPages) arrived(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	info, err := tp.m.Info(r.Context(), id, auth.FromContext(r.Context()).UserID)
	if err != nil {
		return err
	}
	seen, _ := strconv.Atoi(r.URL.Query().Get("seen"))
	return tp.u.Fragment(w, r, http.StatusOK, "training_desk.html", "training-arrived", map[string]any{"Info": info, "New": info.Arrived - seen})
}

func (tp *trainingPages) act(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := web.PathID(r, "case")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	back := TrainingPath + "/" + strconv.FormatInt(id, 10)
	key := ""
	switch r.PostFormValue("action") {
	case "reply":
		tpl, _ := strconv.ParseInt(r.PostFormValue("template_id"), 10, 64)
		err = tp.m.Reply(r.Context(), id, p, cid, sandbox.Reply{TemplateID: tpl, Lang: r.PostFormValue("lang"),
			Text: r.PostFormValue("text"), ForApproval: r.PostFormValue("for_approval") != ""})
		key = "training.done.reply"
	case "escalate":
		unit, _ := strconv.ParseInt(r.PostFormValue("unit_id"), 10, 64)
		err = tp.m.Escalate(r.Context(), id, p, cid, unit, r.PostFormValue("note"))
		key = "training.done.escalate"
	case "close":
		err = tp.m.CloseCase(r.Context(), id, p, cid)
		key = "training.done.close"
	default:
		return web.Errorf(http.StatusBadRequest, "bad_request", "action must be reply, escalate or close")
	}
	var inv interface{ InvalidField() string }
	if errors.As(err, &inv) {
		k := "training.invalid." + inv.InvalidField()
		if tp.u.cat[Lang(r)][k] == nil {
			k = "training.invalid"
		}
		tp.u.Flash(r, FlashError, k)
		return tp.u.Redirect(w, r, back+"#case-"+strconv.FormatInt(cid, 10))
	}
	if err != nil {
		return err
	}
	tp.u.Flash(r, FlashOK, key)
	return tp.u.Redirect(w, r, back+"#case-"+strconv.FormatInt(cid, 10))
}

func (tp *trainingPages) finish(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := tp.m.Finish(r.Context(), id, auth.FromContext(r.Context())); err != nil {
		var ve *sandbox.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
	}
	tp.u.Flash(r, FlashOK, "training.finished")
	return tp.u.Redirect(w, r, TrainingPath+"/"+strconv.FormatInt(id, 10))
}

func (tp *trainingPages) scores(w http.ResponseWriter, r *http.Request) error {
	ss, err := tp.m.Sessions(r.Context(), 0, 500)
	if err != nil {
		return err
	}
	var done []sandbox.Info
	for _, s := range ss {
		if s.Status == sandbox.StatusFinished {
			done = append(done, s)
		}
	}
	return tp.u.Render(w, r, http.StatusOK, "training_scores.html", View{Title: "training.scores_title", Data: done})
}

func init() {
	// mark shows a 0–100 mark, or a dash where the shift gave nothing to
	// judge.
	AddFunc("mark", func(t Translator) any {
		return func(v *int) string {
			if v == nil {
				return t.T("training.no_mark")
			}
			return strconv.Itoa(*v)
		}
	})
	AddFunc("secs", func(Translator) any {
		return func(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }
	})
}
