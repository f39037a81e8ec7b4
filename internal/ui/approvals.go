package ui

import (
	"errors"
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/web"
)

// ApprovalsPath is the supervisors' queue of replies and posts held for
// approval: approve, reject with a reason, or edit.
const ApprovalsPath = "/desk/approvals"

type approvalItem struct {
	outbox.Item
	Ref    string
	Author string
	Own    bool
	Asked  string // what the citizen wrote (the post the reply answers), masked: the approver judges the reply against it
}

func (dp *deskPages) approvalRoutes() {
	dp.u.Handle(Route{Method: "GET", Path: ApprovalsPath, Perm: auth.PermRepliesApprove, Summary: "Replies and posts awaiting approval",
		Nav: &Nav{Section: SectionApprovals, Label: "approvals.tab"}}, dp.approvals)
	dp.u.Handle(Route{Method: "POST", Path: ApprovalsPath + "/{id}", Perm: auth.PermRepliesApprove, Summary: "Approve, reject or edit an item"}, dp.decide)
}

func (dp *deskPages) approvals(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	items, err := dp.u.srv.Outbox().List(r.Context(), outbox.Filter{States: []outbox.State{outbox.AwaitingApproval}, Limit: 200})
	if err != nil {
		return err
	}
	names, _, err := dp.userNames(r)
	if err != nil {
		return err
	}
	v := privacy.For(p)
	var out []approvalItem
	for _, it := range items {
		a := approvalItem{Item: it, Author: names[it.CreatedBy], Own: it.CreatedBy == p.UserID}
		if it.CaseID != 0 {
			c, err := dp.d.GetCase(r.Context(), it.CaseID, desk.ScopeOf(p))
			if err == nil {
				a.Ref = c.Ref
				v.OutboxItem(&a.Item, privacy.CaseNames(c)...)
			}
			if it.PostID != 0 {
				if ps, _, err := dp.d.GetPost(r.Context(), it.PostID, desk.ScopeOf(p)); err == nil {
					privacy.Default(p).Post(&ps)
					a.Asked = ps.Text
				}
			}
		} else {
			v.OutboxItem(&a.Item)
		}
		out = append(out, a)
	}
	return dp.u.Render(w, r, http.StatusOK, "approvals.html", View{Title: "approvals.title", Data: out})
}

func (dp *deskPages) decide(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	decision := r.PostFormValue("decision")
	arg := r.PostFormValue("reason")
	if decision == web.DecideEdit {
		arg = r.PostFormValue("text")
	}
	it, err := dp.u.srv.DecideItem(r, id, decision, arg)
	var we *web.Error
	if errors.As(err, &we) && (we.Status == http.StatusUnprocessableEntity || we.Status == http.StatusConflict || we.Code == "own_item") {
		dp.u.Flash(r, FlashError, "approvals.refused", we.Message)
		return dp.u.Redirect(w, r, ApprovalsPath)
	}
	if err != nil {
		return err
	}
	if it.CaseID != 0 {
		dp.changed(r, it.CaseID)
	}
	dp.u.Flash(r, FlashOK, "approvals.done."+decision)
	return dp.u.Redirect(w, r, ApprovalsPath)
}
