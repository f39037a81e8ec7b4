package web

import (
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/shift"
)

// ShiftsAPI mounts the shift pattern, clock-in and clock-out, handovers
// and the supervisor's live board.
func (s *Server) ShiftsAPI(sv *shift.Service) {
	h := &shiftHandlers{sv: sv}
	tags := []string{"shifts"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	user := Param{Name: "user", In: "path", Type: "integer", Required: true}
	s.Route("GET", "/api/v1/shifts", auth.PermShiftsWork, OpDoc{Summary: "The shift now, who is on it, whether I am, and the handover I must acknowledge", Tags: tags,
		Response: ShiftNow{}}, h.now)
	s.Route("GET", "/api/v1/shifts/pattern", auth.PermShiftsWork, OpDoc{Summary: "The daily shift pattern (times in Asia/Kolkata)", Tags: tags,
		Response: []shift.Slot{}}, h.pattern)
	s.Route("PUT", "/api/v1/shifts/pattern", auth.PermShiftsManage, OpDoc{Summary: "Replace the shift pattern", Tags: tags,
		Description: "1 to 6 shifts of 1 to 24 hours that do not overlap; a shift keeps its id by name, so past handovers keep theirs.",
		Request:     []shift.Slot{}, Response: []shift.Slot{}}, h.setPattern)
	s.Route("POST", "/api/v1/shifts/clock-in", auth.PermShiftsWork, OpDoc{Summary: "Clock in: I am on shift (cases of my teams start coming to me)", Tags: tags,
		Response: ClockResult{}}, h.clockIn)
	s.Route("POST", "/api/v1/shifts/clock-out", auth.PermShiftsWork, OpDoc{Summary: "Clock out: my unfinished cases go to my teams' agents still on shift", Tags: tags,
		Response: ClockResult{}}, h.clockOut)
	s.Route("POST", "/api/v1/shifts/clock-out/{user}", auth.PermShiftsManage, OpDoc{Summary: "Clock someone else out (they left without doing it)", Tags: tags,
		Params: []Param{user}, Response: ClockResult{}}, h.clockOutOther)
	s.Route("GET", "/api/v1/handovers", auth.PermShiftsWork, OpDoc{Summary: "The latest handover notes, newest first", Tags: tags,
		Params: []Param{{Name: "limit", Type: "integer", Description: "1–100, default 20"}}, Response: []shift.Handover{}}, h.handovers)
	s.Route("GET", "/api/v1/handovers/current", auth.PermShiftsWork, OpDoc{Summary: "The handover note of the shift now, to write (generated when first opened)", Tags: tags,
		Response: shift.Handover{}}, h.current)
	s.Route("GET", "/api/v1/handovers/{id}", auth.PermShiftsWork, OpDoc{Summary: "A handover note", Tags: tags,
		Params: []Param{id}, Response: shift.Handover{}}, h.handover)
	s.Route("PUT", "/api/v1/handovers/{id}", auth.PermShiftsWork, OpDoc{Summary: "Write the note (refresh: regenerate the open critical cases, approvals and alerts)", Tags: tags,
		Params: []Param{id}, Request: shift.HandoverEdit{}, Response: shift.Handover{}}, h.save)
	s.Route("POST", "/api/v1/handovers/{id}/ack", auth.PermShiftsWork, OpDoc{Summary: "Acknowledge a handover note", Tags: tags,
		Params: []Param{id}, Response: shift.Handover{}}, h.ack)
	s.Route("GET", "/api/v1/board", auth.PermShiftsManage, OpDoc{Summary: "The live board: load per agent against capacity, team queues, oldest unanswered, breaches coming", Tags: tags,
		Description: "Case subjects are redacted as in every list. The page /desk/board follows it live over server-sent events.",
		Response:    shift.Board{}}, h.board)
}

// ShiftNow is GET /api/v1/shifts.
type ShiftNow struct {
	Shift   shift.Shift     `json:"shift"`
	OnShift []shift.Clock   `json:"on_shift"`
	Me      ClockResult     `json:"me"`
	Pending *shift.Handover `json:"pending_handover,omitempty"`
}

// ClockResult is one person's clock.
type ClockResult struct {
	OnShift   bool       `json:"on_shift"`
	Since     *time.Time `json:"since,omitempty"`
	HandedOn  int        `json:"cases_handed_on,omitempty"`
	UserID    int64      `json:"user_id"`
	ClockedAt time.Time  `json:"at"`
}

type shiftHandlers struct{ sv *shift.Service }

// RedactCaseItems passes the cases of a handover or the board through
// internal/privacy for the viewer.
func RedactCaseItems(v privacy.Viewer, items []shift.CaseItem) {
	for i := range items {
		it := &items[i]
		c := desk.Case{Subject: it.Subject, Platform: it.Platform, Private: it.Private, AuthorHandle: it.AuthorHandle, AuthorName: it.AuthorName}
		v.Case(&c)
		it.Subject, it.AuthorHandle, it.AuthorName = c.Subject, c.AuthorHandle, c.AuthorName
	}
}

func redactHandover(r *http.Request, h *shift.Handover) {
	if h != nil {
		RedactHandover(privacy.For(Principal(r)), h)
	}
}

// RedactHandover redacts a handover for the viewer: the cases it names
// and its note (free text, like a timeline note).
func RedactHandover(v privacy.Viewer, h *shift.Handover) {
	RedactCaseItems(v, h.Items.Critical)
	h.Note = v.Text(h.Note)
}

// CheckHandoverEdit refuses an edit by someone who sees the note redacted:
// saving what they see would erase the personal data they cannot see.
func CheckHandoverEdit(v privacy.Viewer, stored shift.Handover) error {
	if v.Text(stored.Note) != stored.Note {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Field: "note",
			Message: "the note holds personal data you may not see; someone with access to personal data must edit it"}
	}
	return nil
}

func (h *shiftHandlers) now(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := Principal(r)
	var out ShiftNow
	var err error
	if out.Shift, _, err = h.sv.Current(ctx); err != nil {
		return err
	}
	if out.OnShift, err = h.sv.OnShift(ctx); err != nil {
		return err
	}
	if out.OnShift == nil {
		out.OnShift = []shift.Clock{}
	}
	on, since, err := h.sv.Status(ctx, p.UserID)
	if err != nil {
		return err
	}
	out.Me = ClockResult{OnShift: on, UserID: p.UserID, ClockedAt: time.Now().UTC()}
	if on {
		out.Me.Since = &since
	}
	if out.Pending, err = h.sv.Pending(ctx, p.UserID); err != nil {
		return err
	}
	redactHandover(r, out.Pending)
	return JSON(w, http.StatusOK, out)
}

func (h *shiftHandlers) pattern(w http.ResponseWriter, r *http.Request) error {
	out, err := h.sv.Slots(r.Context())
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *shiftHandlers) setPattern(w http.ResponseWriter, r *http.Request) error {
	var in []shift.Slot
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.sv.SaveSlots(r.Context(), in)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *shiftHandlers) clockIn(w http.ResponseWriter, r *http.Request) error {
	p := Principal(r)
	since, err := h.sv.ClockIn(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, ClockResult{OnShift: true, Since: &since, UserID: p.UserID, ClockedAt: time.Now().UTC()})
}

func (h *shiftHandlers) out(w http.ResponseWriter, r *http.Request, user int64) error {
	n, err := h.sv.ClockOut(r.Context(), user, Principal(r).UserID)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, ClockResult{OnShift: false, HandedOn: n, UserID: user, ClockedAt: time.Now().UTC()})
}

func (h *shiftHandlers) clockOut(w http.ResponseWriter, r *http.Request) error {
	return h.out(w, r, Principal(r).UserID)
}

func (h *shiftHandlers) clockOutOther(w http.ResponseWriter, r *http.Request) error {
	user, err := PathID(r, "user")
	if err != nil {
		return err
	}
	return h.out(w, r, user)
}

func (h *shiftHandlers) handovers(w http.ResponseWriter, r *http.Request) error {
	limit, err := QueryInt(r, "limit", 20, 1, 100)
	if err != nil {
		return err
	}
	out, err := h.sv.Handovers(r.Context(), int(limit))
	if err != nil {
		return err
	}
	for i := range out {
		redactHandover(r, &out[i])
	}
	return JSON(w, http.StatusOK, out)
}

func (h *shiftHandlers) current(w http.ResponseWriter, r *http.Request) error {
	cur, _, err := h.sv.Current(r.Context())
	if err != nil {
		return err
	}
	out, err := h.sv.HandoverOf(r.Context(), cur)
	if err != nil {
		return err
	}
	redactHandover(r, &out)
	return JSON(w, http.StatusOK, out)
}

func (h *shiftHandlers) handover(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.sv.Handover(r.Context(), id)
	if err != nil {
		return err
	}
	redactHandover(r, &out)
	return JSON(w, http.StatusOK, out)
}

func (h *shiftHandlers) save(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in shift.HandoverEdit
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	stored, err := h.sv.Handover(r.Context(), id)
	if err != nil {
		return err
	}
	if err := CheckHandoverEdit(privacy.For(Principal(r)), stored); err != nil {
		return err
	}
	out, err := h.sv.SaveHandover(r.Context(), id, Principal(r).UserID, in)
	if err != nil {
		return err
	}
	redactHandover(r, &out)
	return JSON(w, http.StatusOK, out)
}

func (h *shiftHandlers) ack(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.sv.Acknowledge(r.Context(), id, Principal(r).UserID)
	if err != nil {
		return err
	}
	redactHandover(r, &out)
	return JSON(w, http.StatusOK, out)
}

func (h *shiftHandlers) board(w http.ResponseWriter, r *http.Request) error {
	b, err := h.sv.Board(r.Context())
	if err != nil {
		return err
	}
	// Lists mask personal data for everyone, as the inbox does.
	RedactCaseItems(privacy.Viewer{}, b.Oldest)
	RedactCaseItems(privacy.Viewer{}, b.Coming)
	return JSON(w, http.StatusOK, b)
}
