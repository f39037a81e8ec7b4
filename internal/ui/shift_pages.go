package ui

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/shift"
	"github.com/kaval-desk/kaval/internal/web"
)

// ShiftPath is a person's shift: clock-in and clock-out, the handover to
// acknowledge and the note their own shift leaves the next.
const ShiftPath = "/desk/shift"

// BoardPath is the supervisor's live board.
const BoardPath = "/desk/board"

// SubjectShift is the bus subject the shift service announces changes on
// (app.SubjectShift).
const SubjectShift = "shift.changed"

type shiftPages struct {
	u  *UI
	sv *shift.Service

	// lastBoard is when each live board connection (by its request's
	// context) was last sent the board: in a flood of posts a board is
	// re-rendered at most once a second, and the page's own refresh every
	// 15 s brings what a skipped event changed.
	lastBoard sync.Map
}

func (sp *shiftPages) routes() {
	u := sp.u
	u.Handle(Route{Method: "GET", Path: ShiftPath, Perm: auth.PermShiftsWork, Summary: "My shift: clock in or out, the handover",
		Nav: &Nav{Section: SectionInbox, Label: "shift.tab", Order: 20}}, sp.page)
	u.Handle(Route{Method: "POST", Path: ShiftPath + "/clock", Perm: auth.PermShiftsWork, Summary: "Clock in or out"}, sp.clock)
	u.Handle(Route{Method: "GET", Path: ShiftPath + "/state", Perm: auth.PermShiftsWork, Summary: "The shift and clock-in state (top bar)"}, sp.state)
	u.Handle(Route{Method: "POST", Path: ShiftPath + "/handovers/{id}", Perm: auth.PermShiftsWork, Summary: "Write the shift's handover note"}, sp.save)
	u.Handle(Route{Method: "POST", Path: ShiftPath + "/handovers/{id}/ack", Perm: auth.PermShiftsWork, Summary: "Acknowledge a handover note"}, sp.ack)
	u.Handle(Route{Method: "GET", Path: BoardPath, Perm: auth.PermShiftsManage, Summary: "The supervisor's live board",
		Nav: &Nav{Section: SectionInbox, Label: "board.tab", Order: 30}}, sp.board)
	u.Handle(Route{Method: "GET", Path: BoardPath + "/body", Perm: auth.PermShiftsManage, Summary: "The live board's body (refreshed by the page)"}, sp.boardBody)
	u.Handle(Route{Method: "POST", Path: BoardPath + "/clock-out/{user}", Perm: auth.PermShiftsManage, Summary: "Clock someone out from the board"}, sp.clockOutOther)
	u.Stream(Route{Path: BoardPath + "/live", Perm: auth.PermShiftsManage, Summary: "The live board (SSE)"},
		[]string{pipeline.SubjectCases, SubjectShift}, sp.boardLive)
	u.AddTopBar(ShiftPath+"/state", auth.PermShiftsWork)
}

type shiftData struct {
	Shift    shift.Shift
	OnShift  []shift.Clock
	Me       bool
	Since    time.Time
	Pending  *shift.Handover
	Current  shift.Handover // the note of the shift now, to write
	CanEdit  bool           // the note holds nothing the viewer may not see
	Recent   []shift.Handover
	UserID   int64
	Managing bool
}

func (sp *shiftPages) data(r *http.Request) (shiftData, error) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	d := shiftData{UserID: p.UserID, Managing: p.Can(auth.PermShiftsManage)}
	var err error
	if d.Shift, _, err = sp.sv.Current(ctx); err != nil {
		return d, err
	}
	if d.OnShift, err = sp.sv.OnShift(ctx); err != nil {
		return d, err
	}
	if d.Me, d.Since, err = sp.sv.Status(ctx, p.UserID); err != nil {
		return d, err
	}
	if d.Pending, err = sp.sv.Pending(ctx, p.UserID); err != nil {
		return d, err
	}
	if d.Current, err = sp.sv.HandoverOf(ctx, d.Shift); err != nil {
		return d, err
	}
	v := privacy.For(p)
	d.CanEdit = web.CheckHandoverEdit(v, d.Current) == nil
	web.RedactHandover(v, &d.Current)
	if d.Pending != nil {
		web.RedactHandover(v, d.Pending)
	}
	all, err := sp.sv.Handovers(ctx, 6)
	if err != nil {
		return d, err
	}
	for _, h := range all {
		if h.ID != d.Current.ID && (d.Pending == nil || h.ID != d.Pending.ID) {
			web.RedactHandover(v, &h)
			d.Recent = append(d.Recent, h)
		}
	}
	return d, nil
}

func (sp *shiftPages) page(w http.ResponseWriter, r *http.Request) error {
	d, err := sp.data(r)
	if err != nil {
		return err
	}
	return sp.u.Render(w, r, http.StatusOK, "shift.html", View{Title: "shift.title", Data: d})
}

// state is the top bar's control: on or off shift, and a handover to
// acknowledge, linking to the shift page.
func (sp *shiftPages) state(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	on, since, err := sp.sv.Status(ctx, p.UserID)
	if err != nil {
		return err
	}
	pending, err := sp.sv.Pending(ctx, p.UserID)
	if err != nil {
		return err
	}
	cur, _, err := sp.sv.Current(ctx)
	if err != nil {
		return err
	}
	return sp.u.Fragment(w, r, http.StatusOK, "shift.html", "shift-state",
		map[string]any{"On": on, "Since": since, "Pending": pending != nil, "Shift": cur})
}

func (sp *shiftPages) clock(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	switch r.PostFormValue("action") {
	case "in":
		if _, err := sp.sv.ClockIn(r.Context(), p.UserID); err != nil {
			return err
		}
		sp.u.Flash(r, FlashOK, "shift.clocked_in")
	case "out":
		n, err := sp.sv.ClockOut(r.Context(), p.UserID, p.UserID)
		if err != nil {
			return err
		}
		sp.u.Flash(r, FlashOK, "shift.clocked_out", strconv.Itoa(n))
	default:
		return web.Errorf(http.StatusBadRequest, "bad_request", "action must be in or out")
	}
	return sp.u.Redirect(w, r, ShiftPath)
}

func (sp *shiftPages) save(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	stored, err := sp.sv.Handover(r.Context(), id)
	if err != nil {
		return err
	}
	if err := web.CheckHandoverEdit(privacy.For(p), stored); err != nil {
		sp.u.Flash(r, FlashError, "shift.note_private")
		return sp.u.Redirect(w, r, ShiftPath)
	}
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = sp.sv.SaveHandover(r.Context(), id, p.UserID, shift.HandoverEdit{Note: r.PostFormValue("note"),
		Refresh: r.PostFormValue("refresh") != "", Version: v})
	if err != nil {
		return sp.u.refused(w, r, err, "shift", ShiftPath+"#note")
	}
	sp.u.Flash(r, FlashOK, "shift.note_saved")
	return sp.u.Redirect(w, r, ShiftPath+"#note")
}

func (sp *shiftPages) ack(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := sp.sv.Acknowledge(r.Context(), id, auth.FromContext(r.Context()).UserID); err != nil {
		if errors.Is(err, shift.ErrNotFound) {
			return sp.u.refused(w, r, err, "shift", ShiftPath)
		}
		return err
	}
	sp.u.Flash(r, FlashOK, "shift.acknowledged")
	return sp.u.Redirect(w, r, ShiftPath)
}

// boardView is the board as the page shows it: lists masked for everyone,
// as in the inbox.
func (sp *shiftPages) boardView(r *http.Request) (shift.Board, error) {
	b, err := sp.sv.Board(r.Context())
	if err != nil {
		return b, err
	}
	web.RedactCaseItems(privacy.Viewer{}, b.Oldest)
	web.RedactCaseItems(privacy.Viewer{}, b.Coming)
	return b, nil
}

func (sp *shiftPages) board(w http.ResponseWriter, r *http.Request) error {
	b, err := sp.boardView(r)
	if err != nil {
		return err
	}
	return sp.u.Render(w, r, http.StatusOK, "board.html", View{Title: "board.title", Data: b})
}

func (sp *shiftPages) boardBody(w http.ResponseWriter, r *http.Request) error {
	b, err := sp.boardView(r)
	if err != nil {
		return err
	}
	return sp.u.Fragment(w, r, http.StatusOK, "board.html", "board-body", b)
}

func (sp *shiftPages) boardLive(r *http.Request, ev Event) ([]Frame, error) {
	key := r.Context()
	now := time.Now()
	if last, ok := sp.lastBoard.Load(key); ok && now.Sub(last.(time.Time)) < time.Second {
		return nil, nil
	} else if !ok {
		go func() {
			<-key.Done()
			sp.lastBoard.Delete(key)
		}()
	}
	sp.lastBoard.Store(key, now)
	b, err := sp.boardView(r)
	if err != nil {
		return nil, err
	}
	html, err := sp.u.RenderString(Lang(r), "board.html", "board-body", b)
	return []Frame{{Name: "board", HTML: html}}, err
}

func (sp *shiftPages) clockOutOther(w http.ResponseWriter, r *http.Request) error {
	user, err := web.PathID(r, "user")
	if err != nil {
		return err
	}
	n, err := sp.sv.ClockOut(r.Context(), user, auth.FromContext(r.Context()).UserID)
	if err != nil {
		return err
	}
	sp.u.Flash(r, FlashOK, "board.clocked_out", strconv.Itoa(n))
	return sp.u.Redirect(w, r, BoardPath)
}
