package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/publish"
)

func (h *crisisPages) roomRoutes() {
	read := auth.PermPostsRead
	h.u.Handle(Route{Method: "GET", Path: CrisisPath + "/{id}", Perm: read, Summary: "A crisis room"}, h.room)
	h.u.Handle(Route{Method: "GET", Path: CrisisPath + "/{id}/rebuttals", Perm: read, Summary: "A crisis room's rebuttals and their progress (fragment)"}, h.rebuttalsFragment)
	h.u.Stream(Route{Path: CrisisPath + "/{id}/live", Perm: read, Summary: "A crisis room's live updates"}, []string{crisis.SubjectChanged}, h.live)
}

// A room's page shows its newest posts and events; the JSON API and the
// report have them all.
const (
	shownPosts  = 30
	shownEvents = 60
)

// RoomLive is the part of a room that changes as it works: redrawn live.
type RoomLive struct {
	Room       crisis.Room
	Contents   crisis.Contents
	Tasks      []crisis.Task
	Rebuttals  []crisis.Rebuttal
	Advisories []publish.Publication
	Timeline   []crisis.Event
	UserID     int64
	CanManage  bool
	CanApprove bool
}

type roomData struct {
	RoomLive
	CanSurge, CanPublish bool
	Users                []crisis.UserRef
	Templates            []desk.Template
	Accounts             []publish.Account
	Kinds                []publish.Kind
}

func (h *crisisPages) liveData(ctx context.Context, p *auth.Principal, id int64) (RoomLive, error) {
	rm, err := h.c.Get(ctx, id)
	if err != nil {
		return RoomLive{}, err
	}
	l := RoomLive{Room: rm, UserID: p.UserID, CanManage: p.Can(auth.PermIncidentsManage) && rm.State == crisis.StateOpen,
		CanApprove: p.Can(auth.PermRepliesApprove) && rm.State == crisis.StateOpen}
	if l.Contents, err = h.c.Contents(ctx, rm, shownPosts); err != nil {
		return l, err
	}
	l.Contents.Mask(privacy.Default(p))
	if l.Tasks, err = h.c.Tasks(ctx, id); err != nil {
		return l, err
	}
	if l.Rebuttals, err = h.c.Rebuttals(ctx, id); err != nil {
		return l, err
	}
	if l.Advisories, err = h.c.Advisories(ctx, id); err != nil {
		return l, err
	}
	if l.Timeline, err = h.c.Timeline(ctx, id, shownEvents); err != nil {
		return l, err
	}
	crisis.MaskEvents(privacy.Default(p), l.Timeline)
	return l, nil
}

func (h *crisisPages) room(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	p := auth.FromContext(ctx)
	l, err := h.liveData(ctx, p, id)
	if err != nil {
		return err
	}
	open := l.Room.State == crisis.StateOpen
	d := roomData{RoomLive: l, CanSurge: open && p.Can(auth.PermCrisisSurge), CanPublish: open && p.Can(auth.PermPublish) && l.CanManage,
		Kinds: []publish.Kind{publish.KindAdvisory, publish.KindEmergency}}
	if l.CanManage {
		if d.Users, err = h.c.Users(ctx); err != nil {
			return err
		}
	}
	if l.CanManage || d.CanSurge {
		if d.Templates, err = h.d.Templates(ctx); err != nil {
			return err
		}
	}
	if d.CanPublish {
		if d.Accounts, err = h.pub.Accounts(ctx); err != nil {
			return err
		}
	}
	return h.u.Render(w, r, http.StatusOK, "crisis_room.html", View{Title: "crisis.room.title", TitleArgs: []any{l.Room.Title}, Data: d})
}

func (h *crisisPages) rebuttalsFragment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := h.liveData(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return err
	}
	return h.u.Fragment(w, r, http.StatusOK, "crisis_room.html", "room-rebuttals", l)
}

// live redraws the room's changing parts when this room changed.
func (h *crisisPages) live(r *http.Request, ev Event) ([]Frame, error) {
	id, err := pathID(r, "id")
	if err != nil || string(ev.Data) != strconv.FormatInt(id, 10) {
		return nil, nil
	}
	l, err := h.liveData(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		return nil, err
	}
	var out []Frame
	for _, f := range []string{"room-clusters", "room-rebuttals", "room-tasks", "room-advisories", "room-posts", "room-timeline"} {
		html, err := h.u.RenderString(Lang(r), "crisis_room.html", f, l)
		if err != nil {
			return nil, err
		}
		out = append(out, Frame{Name: f, HTML: html})
	}
	return out, nil
}
