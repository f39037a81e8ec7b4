package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/web"
)

// The composer: templates filled for the case, the platform's rules
// checked as the agent types, and sending through the outbox (the API's
// own code: web.Server.QueueReply).
func (dp *deskPages) replyRoutes() {
	u := dp.u
	u.Handle(Route{Method: "POST", Path: "/desk/cases/{id}/reply", Perm: auth.PermRepliesSend, Summary: "Reply to the citizen"}, dp.reply)
	u.Handle(Route{Method: "POST", Path: "/desk/cases/{id}/check", Perm: auth.PermRepliesSend, Summary: "Check a reply against the platform's rules"}, dp.check)
	u.Handle(Route{Method: "POST", Path: "/desk/cases/{id}/draft", Perm: auth.PermRepliesSend, Summary: "Fill a template into the composer"}, dp.draft)
}

// composer is the composer's textarea and its check, swapped as a whole
// when a template fills it.
type composer struct {
	CaseID  int64
	Text    string
	Lang    string
	Missing []string
	Problem string // what the platform would refuse, in its words
	OK      bool
}

func (dp *deskPages) reply(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	it, _, err := dp.u.srv.QueueReply(r, id, 0, r.PostFormValue("text"), r.PostFormValue("key"))
	var we *web.Error
	if errors.As(err, &we) && we.Status == http.StatusUnprocessableEntity {
		dp.u.Flash(r, FlashError, "case.reply.refused", we.Message)
		return dp.u.Redirect(w, r, casePath(id))
	}
	if err != nil {
		return err
	}
	dp.changed(r, id)
	if it.State == outbox.AwaitingApproval {
		dp.u.Flash(r, FlashInfo, "case.reply.awaiting")
	} else {
		dp.u.Flash(r, FlashOK, "case.reply.queued")
	}
	return dp.u.Redirect(w, r, casePath(id))
}

func (dp *deskPages) check(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	c := composer{CaseID: id, Text: r.PostFormValue("text")}
	if c.Text != "" {
		err = dp.u.srv.CheckReply(r, id, c.Text)
		var we *web.Error
		switch {
		case err == nil:
			c.OK = true
		case errors.As(err, &we) && we.Status == http.StatusUnprocessableEntity:
			c.Problem = we.Message
		default:
			return err
		}
	}
	return dp.u.Fragment(w, r, http.StatusOK, "case.html", "reply-check", c)
}

func (dp *deskPages) draft(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	p := auth.FromContext(r.Context())
	tpl, _ := strconv.ParseInt(r.PostFormValue("template_id"), 10, 64)
	c := composer{CaseID: id}
	if tpl > 0 {
		out, err := dp.d.RenderTemplate(r.Context(), tpl, id, desk.ScopeOf(p), r.PostFormValue("lang"), privacy.Default(p).ShowsAuthor)
		if err != nil {
			return err
		}
		c.Text, c.Lang, c.Missing = out.Text, out.Lang, out.Missing
	}
	return dp.u.Fragment(w, r, http.StatusOK, "case.html", "composer-text", c)
}
