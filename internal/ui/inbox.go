package ui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
	"github.com/kaval-desk/kaval/internal/web"
)

// InboxPath is the agent's home.
const InboxPath = "/desk/inbox"

// activeStatuses are what the inbox shows when no status is chosen: the
// cases someone still has to act on.
var activeStatuses = []string{desk.StatusNew, desk.StatusOpen, desk.StatusWaitingCitizen, desk.StatusWaitingStation}

// slaWarnShare is the share of an SLA window left when its timer turns amber.
const slaWarnShare = 0.25

// deskPages holds what the desk's pages need.
type deskPages struct {
	u     *UI
	d     *desk.Desk
	units *unit.Store
	pres  *desk.Presence
}

// DeskPages registers the pages of a shift: inbox, case, station queue,
// mentions, approvals and templates.
func (u *UI) DeskPages(d *desk.Desk, pres *desk.Presence) {
	dp := &deskPages{u: u, d: d, units: unit.NewStore(d.DB()), pres: pres}
	u.prefs = d
	dp.inboxRoutes()
	dp.caseRoutes()
	dp.stationRoutes()
	dp.mentionRoutes()
	dp.approvalRoutes()
	dp.templateRoutes()
	u.SetSearch(InboxPath, auth.PermCasesRead)
}

// inboxRow is one case as the inbox shows it. Text is always masked on
// lists (personal data is unmasked one post at a time, on the case page).
type inboxRow struct {
	desk.Case
	Subject  template.HTML // escaped, the places the analysis matched in it marked
	SLA      string        // "", "warning" or "breached"
	DueMs    int64
	Assignee string
	Unread   bool
}

// maskedCase masks what a list shows of a case for everyone, whatever
// their role: the desk opens personal data deliberately, not by scrolling.
func maskedCase(c desk.Case) desk.Case {
	privacy.Viewer{}.Case(&c)
	return c
}

// row is c as the inbox shows it; unread is for the person looking
// (Desk.Unread: a post newer than their last opening of the case), places
// the texts the analysis matched (Desk.PlaceTexts).
func (dp *deskPages) row(c desk.Case, now time.Time, names map[int64]string, unread bool, places []string) inboxRow {
	c = maskedCase(c)
	r := inboxRow{Case: c, Assignee: names[c.AssigneeID], Unread: unread}
	r.Subject = markedLine(c.Subject, places)
	if c.DueAt != nil {
		r.DueMs = c.DueAt.UnixMilli()
		left := c.DueAt.Sub(now)
		window := c.DueAt.Sub(c.CreatedAt)
		switch {
		case left <= 0:
			r.SLA = "breached"
		case window > 0 && float64(left) < slaWarnShare*float64(window):
			r.SLA = "warning"
		}
	}
	return r
}

// markedLine escapes a row's one line of citizen text with the places
// the analysis matched in it marked.
func markedLine(s string, places []string) template.HTML {
	var b strings.Builder
	writeMarked(&b, s, 0, len(s), placeRanges(s, places))
	return template.HTML(b.String())
}

type option struct {
	Value, Label string // Label: a catalogue key, or the text itself when Raw
	Raw          bool
}

type viewLink struct {
	desk.View
	Href         template.URL
	Mine, Active bool
}

type inboxData struct {
	Rows       []inboxRow
	Next       template.URL
	Live       template.URL // the SSE stream of this page's filters
	Here       template.URL // this page without its cursor
	Q          url.Values
	Query      string // the filters as a query string (no cursor)
	Sort       string
	Views      []viewLink
	Users      []option
	Units      []option
	Statuses   []string
	Platforms  []string
	Categories []string
	Langs      []string
	Sorts      []string
	CanAssign  bool
	CanShare   bool
	Undo       string // case ids a close-as-spam can still be undone for
	At         int64  // server time (ms): the SLA timers count from it
}

// inboxFilter reads the page's filters; no status means the active ones.
func inboxFilter(q url.Values, p *auth.Principal) (desk.CaseFilter, error) {
	if q.Get("status") == "" {
		q = cloneValues(q)
		q.Set("status", strings.Join(activeStatuses, ","))
	} else if q.Get("status") == "all" {
		q = cloneValues(q)
		q.Del("status")
	}
	return web.CaseFilterOf(q, p)
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

func (dp *deskPages) userNames(r *http.Request) (map[int64]string, []option, error) {
	us, err := dp.u.auth.ListUsers(r.Context())
	if err != nil {
		return nil, nil, err
	}
	names := map[int64]string{}
	var opts []option
	for _, u := range us {
		n := u.Name
		if n == "" {
			n = u.Username
		}
		names[u.ID] = n
		if !u.Disabled {
			opts = append(opts, option{Value: strconv.FormatInt(u.ID, 10), Label: n, Raw: true})
		}
	}
	return names, opts, nil
}

func (dp *deskPages) unitOptions(r *http.Request) ([]option, error) {
	us, err := dp.units.Stations(r.Context())
	if err != nil {
		return nil, err
	}
	kn := Lang(r) == "kn"
	out := make([]option, 0, len(us))
	for _, u := range us {
		name := u.Name
		if kn && u.NameKn != "" {
			name = u.NameKn
		}
		out = append(out, option{Value: strconv.FormatInt(u.ID, 10), Label: name, Raw: true})
	}
	return out, nil
}

func (dp *deskPages) inboxRoutes() {
	u := dp.u
	u.Handle(Route{Method: "GET", Path: InboxPath, Perm: auth.PermCasesRead, Summary: "Inbox: cases in triage order, filters, saved views",
		Nav: &Nav{Section: SectionInbox, Label: "inbox.tab"}}, dp.inbox)
	u.Stream(Route{Path: InboxPath + "/live", Perm: auth.PermCasesRead, Summary: "Inbox live updates (SSE)"},
		[]string{pipeline.SubjectCases}, dp.inboxLive)
	u.Handle(Route{Method: "POST", Path: InboxPath + "/bulk", Perm: auth.PermCasesWrite, Summary: "Inbox bulk action"}, dp.bulk)
	u.Handle(Route{Method: "POST", Path: "/desk/views", Perm: auth.PermCasesRead, Summary: "Save an inbox view"}, dp.saveView)
	u.Handle(Route{Method: "POST", Path: "/desk/views/{id}/delete", Perm: auth.PermCasesRead, Summary: "Delete a saved view"}, dp.deleteView)
}

func (dp *deskPages) inbox(w http.ResponseWriter, r *http.Request) error {
	p := auth.FromContext(r.Context())
	q := r.URL.Query()
	f, err := inboxFilter(q, p)
	if err != nil {
		return err
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	cs, next, err := dp.d.ListCases(r.Context(), f, desk.ScopeOf(p))
	if err != nil {
		return err
	}
	names, users, err := dp.userNames(r)
	if err != nil {
		return err
	}
	units, err := dp.unitOptions(r)
	if err != nil {
		return err
	}
	views, err := dp.d.Views(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	now := dp.u.now()
	data := inboxData{Q: q, Sort: f.Sort, Users: users, Units: units, Statuses: desk.Statuses, Platforms: post.Platforms,
		Categories: analyze.Categories, Langs: []string{"en", "kn", "kn-Latn", "hi", "hi-Latn"}, Sorts: desk.Sorts,
		CanAssign: p.Can(auth.PermCasesAssign), CanShare: p.Can(auth.PermCasesAssign), At: now.UnixMilli()}
	keep := url.Values{}
	for _, name := range web.InboxParamNames {
		if v := q.Get(name); v != "" {
			keep.Set(name, v)
		}
	}
	data.Query = keep.Encode()
	for _, v := range views {
		data.Views = append(data.Views, viewLink{View: v, Href: template.URL(InboxPath + "?" + v.Query), Mine: v.OwnerID == p.UserID,
			Active: v.Query == data.Query})
	}
	data.Live = template.URL(InboxPath + "/live?" + data.Query)
	data.Here = template.URL(InboxPath + "?" + data.Query)
	if next != "" {
		nq := cloneValues(keep)
		nq.Set("cursor", next)
		data.Next = template.URL(InboxPath + "?" + nq.Encode())
	}
	unread, err := dp.d.Unread(r.Context(), p.UserID, cs)
	if err != nil {
		return err
	}
	places, err := dp.d.PlaceTexts(r.Context(), cs)
	if err != nil {
		return err
	}
	for _, c := range cs {
		data.Rows = append(data.Rows, dp.row(c, now, names, unread[c.ID], places[c.ID]))
	}
	if undo := q.Get("undo"); undo != "" && len(undo) < 4096 {
		data.Undo = undo
	}
	if IsHTMX(r) {
		return dp.u.Fragment(w, r, http.StatusOK, "inbox.html", "inbox-list", data)
	}
	return dp.u.Render(w, r, http.StatusOK, "inbox.html", View{Title: "inbox.title", Data: data})
}

// inboxLive pushes a changed case's row to each inbox that shows it: the
// case must be in the viewer's scope and match the page's filters (asked
// of the database, the same query as the page).
func (dp *deskPages) inboxLive(r *http.Request, ev Event) ([]Frame, error) {
	id, err := strconv.ParseInt(string(ev.Data), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil
	}
	p := auth.FromContext(r.Context())
	c, err := dp.d.GetCase(r.Context(), id, desk.ScopeOf(p))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := inboxFilter(r.URL.Query(), p)
	if err != nil {
		return nil, nil
	}
	f.Ref, f.Cursor, f.Limit = c.Ref, "", 1
	match, _, err := dp.d.ListCases(r.Context(), f, desk.ScopeOf(p))
	if err != nil || len(match) == 0 {
		return nil, err
	}
	names, _, err := dp.userNames(r)
	if err != nil {
		return nil, err
	}
	unread, err := dp.d.Unread(r.Context(), p.UserID, match)
	if err != nil {
		return nil, err
	}
	places, err := dp.d.PlaceTexts(r.Context(), match)
	if err != nil {
		return nil, err
	}
	html, err := dp.u.RenderString(Lang(r), "inbox.html", "inbox-row", dp.row(match[0], dp.u.now(), names, unread[match[0].ID], places[match[0].ID]))
	if err != nil {
		return nil, err
	}
	return []Frame{{Name: "case", HTML: html}}, nil
}

// changed tells every open inbox (on every replica) that a case changed.
func (dp *deskPages) changed(r *http.Request, ids ...int64) {
	for _, id := range ids {
		if err := dp.u.Hub().Publish(r.Context(), pipeline.SubjectCases, strconv.AppendInt(nil, id, 10)); err != nil {
			dp.u.log.Warn("ui: publish failed", "err", err)
		}
	}
}

func formIDs(r *http.Request, name string) []int64 {
	var ids []int64
	for _, v := range r.PostForm[name] {
		for _, s := range strings.Split(v, ",") {
			if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && id > 0 && len(ids) < desk.MaxBulk {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// back is where a form returns: the local page it names, else the inbox.
func back(r *http.Request) string {
	if b := r.PostFormValue("back"); web.LocalPath(b) && strings.HasPrefix(b, "/desk/") {
		return b
	}
	return InboxPath
}

func (dp *deskPages) bulk(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	p := auth.FromContext(r.Context())
	b := desk.Bulk{CaseIDs: formIDs(r, "ids"), Action: r.PostFormValue("action"), Tag: strings.TrimSpace(r.PostFormValue("tag"))}
	if len(b.CaseIDs) == 0 {
		dp.u.Flash(r, FlashError, "inbox.bulk.none")
		return dp.u.Redirect(w, r, back(r))
	}
	if b.Action == desk.BulkAssign {
		if !p.Can(auth.PermCasesAssign) {
			return web.Errorf(http.StatusForbidden, "forbidden", "assigning needs %s", auth.PermCasesAssign)
		}
		if a := r.PostFormValue("assignee"); a == "me" {
			b.AssigneeID = p.UserID
		} else if a != "" && a != "none" {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return web.Errorf(http.StatusBadRequest, "bad_request", "assignee must be a user")
			}
			b.AssigneeID = id
		}
	}
	res, err := dp.d.ApplyBulk(r.Context(), desk.ScopeOf(p), p.UserID, b)
	if err != nil {
		return err
	}
	auth.Audit(r.Context(), dp.d.DB(), auth.Entry{Action: "case.bulk", Target: "cases", Details: map[string]any{"action": b.Action, "done": res.Done}})
	dp.changed(r, res.Done...)
	kind := FlashOK
	if len(res.Failed) > 0 {
		kind = FlashInfo
	}
	dp.u.Flash(r, kind, "inbox.bulk.done", Number(int64(len(res.Done))), Number(int64(len(res.Failed))))
	target := back(r)
	if b.Action == desk.BulkCloseSpam && len(res.Done) > 0 {
		// The page offers to undo for ten seconds (desk.js hides it then).
		ids := make([]string, len(res.Done))
		for i, id := range res.Done {
			ids[i] = strconv.FormatInt(id, 10)
		}
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "undo=" + strings.Join(ids, ",")
	}
	return dp.u.Redirect(w, r, target)
}

func (dp *deskPages) saveView(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	p := auth.FromContext(r.Context())
	shared := r.PostFormValue("shared") == "1" && p.Can(auth.PermCasesAssign)
	q, err := url.ParseQuery(r.PostFormValue("query"))
	if err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "not a query")
	}
	keep := url.Values{}
	for _, name := range web.InboxParamNames {
		if v := q.Get(name); v != "" {
			keep.Set(name, v)
		}
	}
	if _, err := inboxFilter(keep, p); err != nil {
		return err
	}
	v, err := dp.d.SaveView(r.Context(), p.UserID, r.PostFormValue("name"), keep.Encode(), shared)
	if err != nil {
		var inv *desk.InvalidError
		if errors.As(err, &inv) {
			dp.u.Flash(r, FlashError, "inbox.view.invalid")
			return dp.u.Redirect(w, r, InboxPath+"?"+keep.Encode())
		}
		return err
	}
	dp.u.Flash(r, FlashOK, "inbox.view.saved", v.Name)
	return dp.u.Redirect(w, r, InboxPath+"?"+v.Query)
}

func (dp *deskPages) deleteView(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p := auth.FromContext(r.Context())
	if err := dp.d.DeleteView(r.Context(), id, p.UserID, p.Can(auth.PermCasesAssign)); err != nil {
		return err
	}
	dp.u.Flash(r, FlashOK, "inbox.view.deleted")
	return dp.u.Redirect(w, r, InboxPath)
}
