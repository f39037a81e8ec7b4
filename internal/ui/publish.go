package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/web"
)

// PublishPath is the Publish section: compose once for many accounts,
// approve, plan on a calendar, group into campaigns. The pages call the
// same service as /api/v1/publications, so both follow the same rules.
const PublishPath = "/desk/publish"

type publishPages struct {
	u     *UI
	ps    *publish.Service
	shape *outlines // stations' areas for the compose page's map
}

// PublishPages registers the Publish section (call after ui.New).
func (u *UI) PublishPages(ps *publish.Service) {
	pp := &publishPages{u: u, ps: ps, shape: &outlines{db: ps.DB()}}
	w, ap := auth.PermPublish, auth.PermRepliesApprove
	u.srv.LimitBody(PublishPath+"/", "/media", publish.MaxImageBytes+64<<10)
	u.Handle(Route{Method: "GET", Path: PublishPath, Perm: w, Summary: "Publications",
		Nav: &Nav{Section: SectionPublish, Label: "publish.tab.list", Order: 10}}, pp.list)
	u.Handle(Route{Method: "GET", Path: PublishPath + "/review", Perm: ap, Summary: "Publications awaiting approval or a signature after the fact",
		Nav: &Nav{Section: SectionPublish, Label: "publish.tab.review", Order: 20}}, pp.review)
	u.Handle(Route{Method: "GET", Path: PublishPath + "/calendar", Perm: w, Summary: "Content calendar (week and month)",
		Nav: &Nav{Section: SectionPublish, Label: "publish.tab.calendar", Order: 30}}, pp.calendar)
	u.Handle(Route{Method: "GET", Path: PublishPath + "/campaigns", Perm: w, Summary: "Campaigns",
		Nav: &Nav{Section: SectionPublish, Label: "publish.tab.campaigns", Order: 40}}, pp.campaigns)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/campaigns", Perm: w, Summary: "Create or edit a campaign"}, pp.saveCampaign)
	u.Handle(Route{Method: "GET", Path: PublishPath + "/campaigns/{id}", Perm: w, Summary: "A campaign and its publications"}, pp.campaign)
	pp.stationRoutes()
	u.Handle(Route{Method: "GET", Path: PublishPath + "/new", Perm: w, Summary: "Compose a publication"}, pp.compose)
	u.Handle(Route{Method: "POST", Path: PublishPath, Perm: w, Summary: "Save a new publication as a draft"}, pp.create)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/check", Perm: w, Summary: "Check a version against its platform's rules as it is typed"}, pp.check)
	u.Handle(Route{Method: "GET", Path: PublishPath + "/{id}", Perm: w, Summary: "A publication: edit, approve, schedule, history"}, pp.detail)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/{id}", Perm: w, Summary: "Save a publication's words, versions and schedule"}, pp.update)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/{id}/submit", Perm: w, Summary: "Submit a publication for approval"}, pp.submit)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/{id}/decide", Perm: ap, Summary: "Approve, reject or sign after the fact"}, pp.decide)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/{id}/comment", Perm: w, Summary: "Comment on a publication"}, pp.comment)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/{id}/cancel", Perm: w, Summary: "Withdraw a publication"}, pp.cancel)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/{id}/schedule", Perm: w, Summary: "Move a publication to another date and time"}, pp.schedule)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/{id}/media", Perm: w, Summary: "Attach an image with its alt text"}, pp.addMedia)
	u.Handle(Route{Method: "POST", Path: PublishPath + "/{id}/media/{media}/delete", Perm: w, Summary: "Remove an image"}, pp.removeMedia)
	u.Handle(Route{Method: "GET", Path: PublishPath + "/{id}/media/{media}", Perm: w, Summary: "An attached image (staff preview)"}, pp.media)
}

func pubPath(id int64) string { return PublishPath + "/" + strconv.FormatInt(id, 10) }

type pubRow struct {
	publish.Publication
	Author string
	Own    bool
}

type listData struct {
	Rows   []pubRow
	State  string
	States []publish.State
	Owed   int
}

func (pp *publishPages) rows(r *http.Request, pubs []publish.Publication) ([]pubRow, error) {
	names, err := pp.ps.UserNames(r.Context())
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(r.Context())
	out := make([]pubRow, len(pubs))
	for i, x := range pubs {
		out[i] = pubRow{Publication: x, Author: names[x.CreatedBy], Own: x.CreatedBy == p.UserID}
	}
	return out, nil
}

func (pp *publishPages) list(w http.ResponseWriter, r *http.Request) error {
	d := listData{States: []publish.State{publish.StateDraft, publish.InReview, publish.Approved, publish.Rejected, publish.Cancelled}}
	f := publish.Filter{Limit: 200}
	if st := publish.State(r.URL.Query().Get("state")); slices.Contains(d.States, st) {
		f.States, d.State = []publish.State{st}, string(st)
	}
	pubs, err := pp.ps.List(r.Context(), f)
	if err != nil {
		return err
	}
	if d.Rows, err = pp.rows(r, pubs); err != nil {
		return err
	}
	owed, err := pp.ps.List(r.Context(), publish.Filter{AfterSignDue: true, Limit: 500})
	if err != nil {
		return err
	}
	d.Owed = len(owed)
	return pp.u.Render(w, r, http.StatusOK, "publish.html", View{Title: "publish.title", Data: d})
}

type reviewData struct {
	InReview, Owed []pubRow
}

func (pp *publishPages) review(w http.ResponseWriter, r *http.Request) error {
	in, err := pp.ps.List(r.Context(), publish.Filter{States: []publish.State{publish.InReview}, Limit: 500})
	if err != nil {
		return err
	}
	owed, err := pp.ps.List(r.Context(), publish.Filter{AfterSignDue: true, Limit: 500})
	if err != nil {
		return err
	}
	var d reviewData
	if d.InReview, err = pp.rows(r, in); err != nil {
		return err
	}
	if d.Owed, err = pp.rows(r, owed); err != nil {
		return err
	}
	return pp.u.Render(w, r, http.StatusOK, "publish_review.html", View{Title: "publish.review.title", Data: d})
}

// refusal shows a refusal of the service as a flash and goes back to
// where the person was; other errors become the error page.
func (pp *publishPages) refusal(w http.ResponseWriter, r *http.Request, err error, back string) error {
	if pe, ok := publish.AsError(err); ok {
		pp.u.Flash(r, FlashError, "publish.refused", pe.Msg)
		return pp.u.Redirect(w, r, back)
	}
	if we, ok := err.(*web.Error); ok && we.Status == http.StatusUnprocessableEntity {
		pp.u.Flash(r, FlashError, "publish.refused", we.Message)
		return pp.u.Redirect(w, r, back)
	}
	return err
}

func (pp *publishPages) submit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := pp.ps.Submit(r.Context(), auth.FromContext(r.Context()), id); err != nil {
		return pp.refusal(w, r, err, pubPath(id))
	}
	pp.u.Flash(r, FlashOK, "publish.submitted")
	return pp.u.Redirect(w, r, pubPath(id))
}

func (pp *publishPages) decide(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	p, ctx, note := auth.FromContext(r.Context()), r.Context(), r.PostFormValue("note")
	back := r.PostFormValue("back")
	if back != PublishPath+"/review" {
		back = pubPath(id)
	}
	var got publish.Publication
	decision := r.PostFormValue("decision")
	switch decision {
	case "approve":
		got, err = pp.ps.Approve(ctx, p, id, note)
	case "reject":
		got, err = pp.ps.Reject(ctx, p, id, note)
	case "after_sign":
		got, err = pp.ps.AfterSign(ctx, p, id, note)
	default:
		return web.Errorf(http.StatusBadRequest, "bad_request", "unknown decision")
	}
	if err != nil {
		return pp.refusal(w, r, err, back)
	}
	key := "publish.done." + decision
	if decision == "approve" && got.State == publish.InReview {
		key = "publish.done.level"
	}
	pp.u.Flash(r, FlashOK, key)
	return pp.u.Redirect(w, r, back)
}

func (pp *publishPages) comment(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	if _, err := pp.ps.Comment(r.Context(), auth.FromContext(r.Context()), id, r.PostFormValue("note")); err != nil {
		return pp.refusal(w, r, err, pubPath(id))
	}
	pp.u.Flash(r, FlashOK, "publish.commented")
	return pp.u.Redirect(w, r, pubPath(id)+"#history")
}

func (pp *publishPages) cancel(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	if _, err := pp.ps.Cancel(r.Context(), auth.FromContext(r.Context()), id, r.PostFormValue("note")); err != nil {
		return pp.refusal(w, r, err, pubPath(id))
	}
	pp.u.Flash(r, FlashOK, "publish.cancelled")
	return pp.u.Redirect(w, r, pubPath(id))
}

// localTime reads a date and a time typed in Asia/Kolkata.
func localTime(date, clock string) (time.Time, bool) {
	if date == "" {
		return time.Time{}, false
	}
	if clock == "" {
		clock = "09:00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, IST)
	return t, err == nil
}

// schedule moves a publication: the date form on its page (any keyboard),
// or the calendar's drag (publish.js posts the same form with
// X-Requested-With and gets 204 or the refusal's words).
func (pp *publishPages) schedule(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	script := r.Header.Get("X-Requested-With") == "kaval-calendar"
	at, ok := localTime(r.PostFormValue("date"), r.PostFormValue("time"))
	if !ok {
		err = &publish.Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "date", Msg: pp.t(r, "publish.schedule.bad_date")}
	} else {
		_, err = pp.ps.Reschedule(r.Context(), auth.FromContext(r.Context()), id, at)
	}
	if script {
		if pe, isPE := publish.AsError(err); isPE {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(pe.Status)
			fmt.Fprint(w, pe.Msg)
			return nil
		}
		if err != nil {
			return err
		}
		pp.u.Flash(r, FlashOK, "publish.rescheduled", at.In(IST).Format("2006-01-02 15:04"))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	back := pubPath(id)
	if b := r.PostFormValue("back"); len(b) > len(PublishPath) && b[:len(PublishPath)+1] == PublishPath+"/" {
		back = b
	}
	if err != nil {
		return pp.refusal(w, r, err, back)
	}
	pp.u.Flash(r, FlashOK, "publish.rescheduled", at.In(IST).Format("2006-01-02 15:04"))
	return pp.u.Redirect(w, r, back)
}

func (pp *publishPages) addMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	data, alt, err := web.ReadImageUpload(r)
	if err == nil {
		_, err = pp.ps.AddMedia(r.Context(), auth.FromContext(r.Context()), id, data, alt)
	}
	if err != nil {
		return pp.refusal(w, r, err, pubPath(id)+"#media")
	}
	pp.u.Flash(r, FlashOK, "publish.media.added")
	return pp.u.Redirect(w, r, pubPath(id)+"#media")
}

func (pp *publishPages) removeMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := web.PathID(r, "media")
	if err != nil {
		return err
	}
	if err := pp.ps.RemoveMedia(r.Context(), auth.FromContext(r.Context()), id, mid); err != nil {
		return pp.refusal(w, r, err, pubPath(id)+"#media")
	}
	pp.u.Flash(r, FlashOK, "publish.media.removed")
	return pp.u.Redirect(w, r, pubPath(id)+"#media")
}

func (pp *publishPages) media(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := web.PathID(r, "media")
	if err != nil {
		return err
	}
	data, ct, err := pp.ps.MediaFile(r.Context(), id, mid)
	if err != nil {
		return err
	}
	web.ServeImage(w, data, ct, "image-"+strconv.FormatInt(mid, 10), false)
	return nil
}

// t is a catalogue message in the request's language, for answers that
// are not a page (the calendar script's refusals).
func (pp *publishPages) t(r *http.Request, key string) string {
	l := Lang(r)
	return translator{lang: l, msgs: pp.u.cat[l]}.T(key)
}
