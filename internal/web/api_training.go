package web

import (
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/sandbox"
)

// TrainingAPI mounts the training sandbox: a trainee's practice shifts on
// a desk of their own (nothing reaches a platform or the live desk), and
// the scores supervisors follow over time.
func (s *Server) TrainingAPI(m *sandbox.Manager) {
	h := &trainingHandlers{m: m}
	tags := []string{"training"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	cid := Param{Name: "case", In: "path", Type: "integer", Required: true}
	s.Route("POST", "/api/v1/training/sessions", auth.PermTraining, OpDoc{Summary: "Start a practice shift: a scenario at a speed", Tags: tags,
		Description: "Scenarios: quiet_morning, flood_burst, rumour_wave, missing_child; speed 1, 2, 5 or 10. Posts arrive on the session's own desk.",
		Request:     StartTraining{}, Response: sandbox.Info{}, Status: http.StatusCreated}, h.start)
	s.Route("GET", "/api/v1/training/sessions", auth.PermTraining, OpDoc{Summary: "My practice shifts, newest first (everyone's with all=true and shifts:manage)", Tags: tags,
		Params: []Param{{Name: "all", Type: "boolean"}}, Response: []sandbox.Info{}}, h.list)
	s.Route("GET", "/api/v1/training/sessions/{id}", auth.PermTraining, OpDoc{Summary: "A practice shift's desk: its cases, templates and stations", Tags: tags,
		Params: []Param{id}, Response: sandbox.Desk{}}, h.desk)
	s.Route("POST", "/api/v1/training/sessions/{id}/cases/{case}/reply", auth.PermTraining, OpDoc{Summary: "Answer a practice case (recorded on the practice desk only)", Tags: tags,
		Params: []Param{id, cid}, Request: sandbox.Reply{}}, h.reply)
	s.Route("POST", "/api/v1/training/sessions/{id}/cases/{case}/escalate", auth.PermTraining, OpDoc{Summary: "Escalate a practice case to a station of the practice desk", Tags: tags,
		Params: []Param{id, cid}, Request: EscalateTraining{}}, h.escalate)
	s.Route("POST", "/api/v1/training/sessions/{id}/cases/{case}/close", auth.PermTraining, OpDoc{Summary: "Close a practice case", Tags: tags,
		Params: []Param{id, cid}}, h.close)
	s.Route("POST", "/api/v1/training/sessions/{id}/finish", auth.PermTraining, OpDoc{Summary: "End the practice shift and score it", Tags: tags,
		Params: []Param{id}, Response: sandbox.Info{}}, h.finish)
}

// StartTraining is the body of POST /api/v1/training/sessions.
type StartTraining struct {
	Scenario string `json:"scenario"`
	Speed    int    `json:"speed"`
}

// EscalateTraining is the body of a practice escalation.
type EscalateTraining struct {
	UnitID int64  `json:"unit_id"`
	Note   string `json:"note"`
}

type trainingHandlers struct{ m *sandbox.Manager }

func (h *trainingHandlers) start(w http.ResponseWriter, r *http.Request) error {
	var in StartTraining
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.m.Start(r.Context(), Principal(r), in.Scenario, in.Speed)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusCreated, out)
}

func (h *trainingHandlers) list(w http.ResponseWriter, r *http.Request) error {
	p := Principal(r)
	user := p.UserID
	if all, _ := strconv.ParseBool(r.URL.Query().Get("all")); all {
		if !p.Can(auth.PermShiftsManage) {
			return Errorf(http.StatusForbidden, "forbidden", "everyone's scores need shifts:manage")
		}
		user = 0
	}
	out, err := h.m.Sessions(r.Context(), user, 200)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *trainingHandlers) desk(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.m.Desk(r.Context(), id, Principal(r))
	if err != nil {
		return err
	}
	// Practice posts are made up, but they read like the real thing: the
	// same rules as the live desk's lists.
	v := privacy.For(Principal(r))
	for i := range d.Cases {
		v.Posts(d.Cases[i].Posts)
		v.Case(&d.Cases[i].Case)
	}
	return JSON(w, http.StatusOK, d)
}

func (h *trainingHandlers) ids(r *http.Request) (int64, int64, error) {
	id, err := PathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	c, err := PathID(r, "case")
	return id, c, err
}

func (h *trainingHandlers) reply(w http.ResponseWriter, r *http.Request) error {
	id, c, err := h.ids(r)
	if err != nil {
		return err
	}
	var in sandbox.Reply
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.m.Reply(r.Context(), id, Principal(r), c, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *trainingHandlers) escalate(w http.ResponseWriter, r *http.Request) error {
	id, c, err := h.ids(r)
	if err != nil {
		return err
	}
	var in EscalateTraining
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.m.Escalate(r.Context(), id, Principal(r), c, in.UnitID, in.Note); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *trainingHandlers) close(w http.ResponseWriter, r *http.Request) error {
	id, c, err := h.ids(r)
	if err != nil {
		return err
	}
	if err := h.m.CloseCase(r.Context(), id, Principal(r), c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *trainingHandlers) finish(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.m.Finish(r.Context(), id, Principal(r))
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}
