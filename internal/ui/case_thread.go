package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/web"
)

// A long case is shown a page at a time: the case page carries the newest
// threadShown posts and timelineShown events, each list topped by an
// "earlier" link. With htmx the link fetches the run before it and puts
// it in its own place; without script it opens a page of that run.
const (
	threadShown   = 100
	timelineShown = 100
)

// threadView is a run of a case's thread as the page shows it.
type threadView struct {
	CaseID       int64
	CanPII       bool
	Posts        []postView
	Earlier      string // cursor of the posts before these, "" at the thread's start
	EarlierCount int
}

// timelineView is a run of a case's timeline.
type timelineView struct {
	CaseID       int64
	Events       []eventView
	Earlier      int64 // the first event shown, when there are events before it
	EarlierCount int
}

// earlierPage is the page of earlier posts or events for a browser
// without script.
type earlierPage struct {
	Case     desk.Case
	Thread   *threadView
	Timeline *timelineView
}

func (dp *deskPages) threadRoutes() {
	u := dp.u
	u.Handle(Route{Method: "GET", Path: "/desk/cases/{id}/thread", Perm: auth.PermCasesRead, Summary: "Earlier posts of a case's thread"}, dp.earlierPosts)
	u.Handle(Route{Method: "GET", Path: "/desk/cases/{id}/timeline", Perm: auth.PermCasesRead, Summary: "Earlier events of a case's timeline"}, dp.earlierEvents)
}

// threadView reads a run of the thread for the "earlier posts" link.
func (dp *deskPages) threadView(r *http.Request, c desk.Case, before string, n int) (threadView, error) {
	p := auth.FromContext(r.Context())
	th, err := dp.d.CaseThread(r.Context(), c.ID, desk.ScopeOf(p), before, n)
	if err != nil {
		return threadView{}, err
	}
	return threadView{CaseID: c.ID, CanPII: p.Can(auth.PermPIIView), Posts: postViews(dp.u.translator(r), dp.u.now(), th.Posts), Earlier: th.Earlier,
		EarlierCount: th.EarlierCount}, nil
}

// timelineView reads a run of the timeline for the "earlier events" link.
func (dp *deskPages) timelineView(r *http.Request, raw desk.Case, before int64, n int) (timelineView, error) {
	tl, err := dp.d.TimelineBefore(r.Context(), raw.ID, desk.ScopeOf(auth.FromContext(r.Context())), before, n)
	if err != nil {
		return timelineView{}, err
	}
	userNames, _, err := dp.userNames(r)
	if err != nil {
		return timelineView{}, err
	}
	return timelineView{CaseID: raw.ID, Events: eventViews(dp.u.translator(r), dp.u.now(), tl.Events, userNames, privacy.CaseNames(raw)), Earlier: tl.Earlier,
		EarlierCount: tl.EarlierCount}, nil
}

// badBefore answers a cursor this desk did not make (a bad parameter).
var badBefore = &web.Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "before", Message: "is not a position in this case"}

// earlierCase reads the case of an "earlier" request within the scope.
func (dp *deskPages) earlierCase(r *http.Request) (desk.Case, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return desk.Case{}, err
	}
	return dp.d.GetCase(r.Context(), id, desk.ScopeOf(auth.FromContext(r.Context())))
}

// earlierPosts answers the thread's "earlier posts" link: the run before
// ?before= (htmx: in place of the link; else a page of its own).
func (dp *deskPages) earlierPosts(w http.ResponseWriter, r *http.Request) error {
	raw, err := dp.earlierCase(r)
	if err != nil {
		return err
	}
	before := r.URL.Query().Get("before")
	if before == "" {
		return badBefore
	}
	tv, err := dp.threadView(r, raw, before, threadShown)
	var inv *desk.InvalidError
	if errors.As(err, &inv) {
		return badBefore
	}
	if err != nil {
		return err
	}
	if IsHTMX(r) {
		return dp.u.Fragment(w, r, http.StatusOK, "case_earlier.html", "thread-posts", tv)
	}
	return dp.u.Render(w, r, http.StatusOK, "case_earlier.html", View{Title: "thread.posts_title", TitleArgs: []any{raw.Ref},
		Data: earlierPage{Case: maskedCase(raw), Thread: &tv}})
}

// earlierEvents answers the timeline's "earlier events" link.
func (dp *deskPages) earlierEvents(w http.ResponseWriter, r *http.Request) error {
	raw, err := dp.earlierCase(r)
	if err != nil {
		return err
	}
	before, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil || before <= 0 {
		return badBefore
	}
	tv, err := dp.timelineView(r, raw, before, timelineShown)
	if err != nil {
		return err
	}
	if IsHTMX(r) {
		return dp.u.Fragment(w, r, http.StatusOK, "case_earlier.html", "timeline-events", tv)
	}
	return dp.u.Render(w, r, http.StatusOK, "case_earlier.html", View{Title: "thread.events_title", TitleArgs: []any{raw.Ref},
		Data: earlierPage{Case: maskedCase(raw), Timeline: &tv}})
}
