package ui

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/web"
)

func (h *crisisPages) actionRoutes() {
	run := auth.PermIncidentsManage
	p := CrisisPath + "/{id}"
	h.u.Handle(Route{Method: "POST", Path: p + "/items", Perm: run, Summary: "Add a post or case to a crisis room, or remove one"}, h.item)
	h.u.Handle(Route{Method: "POST", Path: p + "/tasks", Perm: run, Summary: "Add a task to a crisis room"}, h.addTask)
	h.u.Handle(Route{Method: "POST", Path: p + "/tasks/{task}/done", Perm: auth.PermPostsRead, Summary: "Mark a crisis room's task done (its owner or incidents:manage)"}, h.doneTask)
	h.u.Handle(Route{Method: "POST", Path: p + "/advisory", Perm: run, Summary: "Draft an advisory from a crisis room (then publishing's approval)"}, h.advisory)
	h.u.Handle(Route{Method: "POST", Path: p + "/rebuttals", Perm: run, Summary: "Request a rebuttal to a rumour cluster"}, h.rebut)
	h.u.Handle(Route{Method: "POST", Path: p + "/rebuttals/{rebuttal}/decide", Perm: auth.PermRepliesApprove, Summary: "Approve or reject a rebuttal (once for every post)"}, h.decide)
	h.u.Handle(Route{Method: "POST", Path: p + "/surge", Perm: auth.PermCrisisSurge, Summary: "Switch a crisis room's surge mode"}, h.surge)
	h.u.Handle(Route{Method: "POST", Path: p + "/close", Perm: run, Summary: "Close a crisis room with a written summary"}, h.close)
}

// act runs a room action from a form and goes back to the room (to
// anchor), flashing ok on success or the refusal.
func (h *crisisPages) act(w http.ResponseWriter, r *http.Request, ok, anchor string, fn func(p *auth.Principal, id int64) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	if err := fn(auth.FromContext(r.Context()), id); err != nil {
		if !h.refused(r, err) {
			return err
		}
	} else {
		h.u.Flash(r, FlashOK, ok)
	}
	return h.u.Redirect(w, r, roomPath(id)+anchor)
}

func formID(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	return n
}

func (h *crisisPages) item(w http.ResponseWriter, r *http.Request) error {
	remove := r.PostFormValue("remove") == "1"
	msg := "crisis.item_added"
	if remove {
		msg = "crisis.item_removed"
	}
	return h.act(w, r, msg, "#posts", func(p *auth.Principal, id int64) error {
		ref := formID(r, "ref")
		if ref == 0 {
			return &crisis.Invalid{Field: "id", Message: "a post or case number is required"}
		}
		return h.c.SetItem(r.Context(), p, id, r.PostFormValue("kind"), ref, remove)
	})
}

func (h *crisisPages) addTask(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "crisis.task_added", "#tasks", func(p *auth.Principal, id int64) error {
		req := crisis.TaskRequest{Title: r.PostFormValue("title"), OwnerID: formID(r, "owner_id")}
		if v := r.PostFormValue("due"); v != "" {
			// A datetime-local field: the desk's time zone (IST).
			t, err := time.ParseInLocation("2006-01-02T15:04", v, IST)
			if err != nil {
				return &crisis.Invalid{Field: "due_at", Message: "unreadable time"}
			}
			req.DueAt = t
		}
		_, err := h.c.AddTask(r.Context(), p, id, req)
		return err
	})
}

func (h *crisisPages) doneTask(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "crisis.task_done", "#tasks", func(p *auth.Principal, id int64) error {
		tid, err := pathID(r, "task")
		if err != nil {
			return err
		}
		return h.c.CompleteTask(r.Context(), p, id, tid)
	})
}

// advisory drafts the room's advisory and opens it in publishing, where
// it is submitted and approved by publishing's rules.
func (h *crisisPages) advisory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	p := auth.FromContext(r.Context())
	if !p.Can(auth.PermPublish) {
		return auth.ErrForbidden
	}
	d := publish.Draft{Kind: publish.Kind(r.PostFormValue("kind")), Title: r.PostFormValue("title"), Texts: map[string]string{}, Public: r.PostFormValue("public") == "1"}
	for _, l := range []string{"en", "kn"} {
		if t := strings.TrimSpace(r.PostFormValue("text_" + l)); t != "" {
			d.Texts[l] = t
		}
	}
	for _, c := range r.PostForm["channel"] {
		ch, _ := strconv.ParseInt(c, 10, 64)
		for l := range d.Texts {
			d.Versions = append(d.Versions, publish.VersionIn{ChannelID: ch, Lang: l})
		}
	}
	pub, err := h.c.DraftAdvisory(r.Context(), p, id, d)
	if err != nil {
		if h.refused(r, err) {
			return h.u.Redirect(w, r, roomPath(id)+"#advisories")
		}
		return err
	}
	h.u.Flash(r, FlashOK, "crisis.advisory_drafted")
	return h.u.Redirect(w, r, pubPath(pub.ID))
}

func (h *crisisPages) rebut(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "crisis.rebuttal_requested", "#rebuttals", func(p *auth.Principal, id int64) error {
		_, err := h.c.RequestRebuttal(r.Context(), p, id, crisis.RebuttalRequest{Cluster: r.PostFormValue("cluster"),
			Text: r.PostFormValue("text"), TemplateID: formID(r, "template_id")})
		return err
	})
}

func (h *crisisPages) decide(w http.ResponseWriter, r *http.Request) error {
	approve := r.PostFormValue("decision") == "approve"
	msg := "crisis.rebuttal_approved"
	if !approve {
		msg = "crisis.rebuttal_rejected"
	}
	return h.act(w, r, msg, "#rebuttals", func(p *auth.Principal, id int64) error {
		rid, err := pathID(r, "rebuttal")
		if err != nil {
			return err
		}
		_, err = h.c.DecideRebuttal(r.Context(), p, id, rid, approve, r.PostFormValue("note"))
		return err
	})
}

func (h *crisisPages) surge(w http.ResponseWriter, r *http.Request) error {
	on := r.PostFormValue("on") == "1"
	msg := "crisis.surge_on"
	if !on {
		msg = "crisis.surge_off"
	}
	return h.act(w, r, msg, "#surge", func(p *auth.Principal, id int64) error {
		_, err := h.c.SetSurge(r.Context(), p, id, crisis.SurgeRequest{On: on, TemplateID: formID(r, "template_id"), Link: r.PostFormValue("link")})
		return err
	})
}

func (h *crisisPages) close(w http.ResponseWriter, r *http.Request) error {
	return h.act(w, r, "crisis.closed", "", func(p *auth.Principal, id int64) error {
		_, err := h.c.Close(r.Context(), p, id, r.PostFormValue("summary"))
		return err
	})
}
