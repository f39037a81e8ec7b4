package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/web"
)

const auditPage = 50

type auditData struct {
	Records []auth.AuditRecord
	Users   []*auth.User
	Filter  auth.AuditFilter
	Next    string // the older page's URL, when there is one
	Newest  string // back to the newest page, when not on it
}

func (u *UI) adminAuditPages() {
	u.Handle(Route{Method: "GET", Path: "/desk/admin/audit", Perm: auth.PermAuditRead, Summary: "Admin: audit log, filtered and paged",
		Nav: &Nav{Section: SectionAdmin, Label: "admin.audit", Order: 60}}, u.handleAudit)
}

// handleAudit lists the audit log newest first, filtered by actor, action
// (exact, or a prefix ending in ".") and target, paged backwards by id.
func (u *UI) handleAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := auth.AuditFilter{Action: strings.TrimSpace(q.Get("action")), Target: strings.TrimSpace(q.Get("target")), Limit: auditPage + 1}
	var err error
	if f.ActorID, err = web.QueryInt(r, "actor_id", 0, 0, 1<<62); err != nil {
		return err
	}
	if f.BeforeID, err = web.QueryInt(r, "before_id", 0, 0, 1<<62); err != nil {
		return err
	}
	if len(f.Action) > 100 || len(f.Target) > 200 {
		return errBadRequest
	}
	recs, err := auth.ListAudit(r.Context(), u.auth.DB(), f)
	if err != nil {
		return err
	}
	users, err := u.auth.ListUsers(r.Context())
	if err != nil {
		return err
	}
	d := auditData{Records: recs, Users: users, Filter: f}
	keep := url.Values{}
	for _, k := range []string{"actor_id", "action", "target"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	if len(recs) > auditPage {
		d.Records = recs[:auditPage]
		next := url.Values{}
		for k, v := range keep {
			next[k] = v
		}
		next.Set("before_id", strconv.FormatInt(d.Records[auditPage-1].ID, 10))
		d.Next = "/desk/admin/audit?" + next.Encode()
	}
	if f.BeforeID > 0 {
		d.Newest = "/desk/admin/audit?" + keep.Encode()
	}
	return u.Render(w, r, http.StatusOK, "admin_audit.html", View{Title: "admin.audit.title", Data: d})
}
