package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/web"
)

// The case page's actions: each a form post that changes the case through
// the desk (the same calls and audit entries as the API), tells the open
// inboxes, flashes what happened and returns to the case.
func (dp *deskPages) caseActionRoutes() {
	u := dp.u
	act := func(path string, perm auth.Perm, summary string, h func(r *http.Request, id int64, p *auth.Principal) (string, error)) {
		u.Handle(Route{Method: "POST", Path: "/desk/cases/{id}/" + path, Perm: perm, Summary: summary}, func(w http.ResponseWriter, r *http.Request) error {
			id, err := web.PathID(r, "id")
			if err != nil {
				return err
			}
			if err := r.ParseForm(); err != nil {
				return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
			}
			p := auth.FromContext(r.Context())
			if stale, err := dp.isStale(r, id, p); err != nil {
				return err
			} else if stale {
				return dp.stale(w, r, id, path)
			}
			flash, err := h(r, id, p)
			var inv *desk.InvalidError
			if errors.As(err, &inv) {
				// A refused value: say which, keep the person on the case.
				key := "case.invalid." + inv.Field
				if dp.u.cat[Lang(r)][key] == nil {
					key = "case.invalid"
				}
				dp.u.Flash(r, FlashError, key)
				return dp.u.Redirect(w, r, casePath(id))
			}
			if errors.Is(err, desk.ErrConflict) {
				return dp.stale(w, r, id, path)
			}
			if err != nil {
				return err
			}
			dp.changed(r, id)
			dp.u.Flash(r, FlashOK, flash)
			return dp.u.Redirect(w, r, casePath(id))
		})
	}
	act("assign", auth.PermCasesAssign, "Assign a case", func(r *http.Request, id int64, p *auth.Principal) (string, error) {
		var to int64
		switch a := r.PostFormValue("assignee"); a {
		case "me":
			to = p.UserID
		case "", "none":
		default:
			n, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return "", desk.Invalid("assignee_id", "not a user")
			}
			to = n
		}
		c, err := dp.d.Assign(r.Context(), id, desk.ScopeOf(p), p.UserID, to)
		if err == nil {
			auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.assign", Target: "case:" + c.Ref, Details: map[string]any{"assignee_id": to}})
		}
		return "case.done.assign", err
	})
	act("status", auth.PermCasesWrite, "Change a case's status", func(r *http.Request, id int64, p *auth.Principal) (string, error) {
		st := r.PostFormValue("status")
		ch := desk.Change{Status: &st}
		if v, err := strconv.Atoi(r.PostFormValue("version")); err == nil {
			ch.Version = v
		}
		c, err := dp.d.Update(r.Context(), id, desk.ScopeOf(p), p.UserID, ch)
		if err == nil {
			auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.update", Target: "case:" + c.Ref, Details: ch})
		}
		return "case.done.status", err
	})
	act("tags", auth.PermCasesWrite, "Add or remove a tag", func(r *http.Request, id int64, p *auth.Principal) (string, error) {
		var ch desk.Change
		if t := strings.TrimSpace(r.PostFormValue("add")); t != "" {
			ch.AddTags = []string{t}
		}
		if t := r.PostFormValue("remove"); t != "" {
			ch.RemoveTags = []string{t}
		}
		c, err := dp.d.Update(r.Context(), id, desk.ScopeOf(p), p.UserID, ch)
		if err == nil {
			auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.update", Target: "case:" + c.Ref, Details: ch})
		}
		return "case.done.tags", err
	})
	act("escalate", auth.PermCasesWrite, "Escalate a case to a station", func(r *http.Request, id int64, p *auth.Principal) (string, error) {
		if _, scoped := p.ScopeUnit(); scoped {
			return "", web.Errorf(http.StatusForbidden, "forbidden", "a station officer cannot send a case to another unit")
		}
		unit, _ := strconv.ParseInt(r.PostFormValue("unit_id"), 10, 64)
		c, err := dp.d.Escalate(r.Context(), id, desk.ScopeOf(p), p.UserID, unit, r.PostFormValue("note"))
		if err == nil {
			auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.escalate", Target: "case:" + c.Ref, Details: map[string]any{"unit_id": unit}})
		}
		return "case.done.escalate", err
	})
	act("station-action", auth.PermCasesWrite, "Record the station's action", func(r *http.Request, id int64, p *auth.Principal) (string, error) {
		a := desk.StationAction{Action: r.PostFormValue("action"), FIRNumber: r.PostFormValue("fir_number"),
			Helpline: r.PostFormValue("helpline"), Note: r.PostFormValue("note")}
		if a.Action != desk.ActionReferred {
			a.Helpline = ""
		}
		if a.Action != desk.ActionFIR {
			a.FIRNumber = ""
		}
		c, err := dp.d.RecordStationAction(r.Context(), id, desk.ScopeOf(p), p.UserID, a)
		if err == nil {
			auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.station_action", Target: "case:" + c.Ref, Details: map[string]any{"action": a.Action}})
		}
		return "case.done.station_action", err
	})
	act("correct", auth.PermCasesWrite, "Correct an analysis chip", func(r *http.Request, id int64, p *auth.Principal) (string, error) {
		cr := desk.Correction{Task: r.PostFormValue("task"), Label: r.PostFormValue("label")}
		if cr.Task == "station" {
			if _, scoped := p.ScopeUnit(); scoped {
				return "", web.Errorf(http.StatusForbidden, "forbidden", "a station officer cannot send a case to another unit")
			}
			cr.UnitID, _ = strconv.ParseInt(r.PostFormValue("label"), 10, 64)
			cr.Label = ""
		}
		c, err := dp.d.Correct(r.Context(), id, desk.ScopeOf(p), p.UserID, cr)
		if err == nil {
			auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.correct", Target: "case:" + c.Ref, Details: cr})
		}
		return "case.done.correct", err
	})
	act("note", auth.PermCasesWrite, "Add an internal note", func(r *http.Request, id int64, p *auth.Principal) (string, error) {
		_, err := dp.d.Note(r.Context(), id, desk.ScopeOf(p), p.UserID, r.PostFormValue("text"))
		if err == nil {
			auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.comment", Target: "case:" + strconv.FormatInt(id, 10)})
		}
		return "case.done.note", err
	})
	act("merge", auth.PermCasesWrite, "Merge near-duplicate cases into this one", func(r *http.Request, id int64, p *auth.Principal) (string, error) {
		ids := formIDs(r, "ids")
		c, err := dp.d.Merge(r.Context(), id, ids, desk.ScopeOf(p), p.UserID)
		if err == nil {
			auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.merge", Target: "case:" + c.Ref, Details: map[string]any{"case_ids": ids}})
			dp.changed(r, ids...)
		}
		return "case.done.merge", err
	})

	u.Handle(Route{Method: "POST", Path: "/desk/cases/{id}/presence", Perm: auth.PermCasesRead, Summary: "Who else has this case open"}, dp.presence)
	u.Handle(Route{Method: "POST", Path: "/desk/posts/{id}/unmask", Perm: auth.PermPIIView, Summary: "Unmask one post (audited)"}, dp.unmask)
}

// presence beats for the viewer and answers the warning fragment.
func (dp *deskPages) presence(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if _, err := dp.d.GetCase(r.Context(), id, desk.ScopeOf(p)); err != nil {
		return err
	}
	name := p.Name
	if name == "" {
		name = p.Username
	}
	r.ParseForm()
	if r.PostFormValue("idle") == "1" {
		dp.pres.Idle(r.Context(), id, p.UserID, name)
	} else {
		dp.pres.Beat(r.Context(), id, p.UserID, name, r.PostFormValue("typing") == "1", r.PostFormValue("gone") == "1")
	}
	return dp.u.Fragment(w, r, http.StatusOK, "case.html", "presence", dp.pres.Others(id, p.UserID))
}

// unmask shows one post with its personal data, and audits it first.
func (dp *deskPages) unmask(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	ps, _, err := dp.d.GetPost(r.Context(), id, desk.ScopeOf(p))
	if err != nil {
		return err
	}
	if err := auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "post.unmask", Target: "post:" + strconv.FormatInt(id, 10),
		Details: map[string]any{"case_id": ps.CaseID}}); err != nil {
		return err
	}
	places := placesOf(ps)
	privacy.For(p).Post(&ps)
	return dp.u.Fragment(w, r, http.StatusOK, "case.html", "post-body", newPostView(dp.u.translator(r), dp.u.now(), ps, places, false))
}
