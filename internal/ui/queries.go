package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// queryPages are the listening-query pages of the watch floor: the list,
// the editor (live parse errors, a preview over the last 7 days) and a
// query's page, where a supervisor other than the author approves.
type queryPages struct {
	u  *UI
	st *query.Store
	db *store.DB
}

// QueryPages registers the listening-query pages (call from app.New).
func (u *UI) QueryPages(st *query.Store, db *store.DB) {
	h := &queryPages{u: u, st: st, db: db}
	manage, approve := auth.PermQueriesManage, auth.PermQueriesApprove
	u.Handle(Route{Method: "GET", Path: "/desk/watch/queries", Perm: manage, Summary: "Listening queries",
		Nav: &Nav{Section: SectionWatch, Label: "queries.tab", Order: 50}}, h.list)
	u.Handle(Route{Method: "GET", Path: "/desk/watch/queries/new", Perm: manage, Summary: "Write a listening query"}, h.newForm)
	u.Handle(Route{Method: "POST", Path: "/desk/watch/queries", Perm: manage, Summary: "Save a listening query for approval"}, h.create)
	u.Handle(Route{Method: "POST", Path: "/desk/watch/queries/check", Perm: manage, Summary: "Check a query as it is typed"}, h.check)
	u.Handle(Route{Method: "GET", Path: "/desk/watch/queries/{id}", Perm: manage, Summary: "A listening query"}, h.show)
	u.Handle(Route{Method: "GET", Path: "/desk/watch/queries/{id}/edit", Perm: manage, Summary: "Propose a change to a listening query"}, h.editForm)
	u.Handle(Route{Method: "POST", Path: "/desk/watch/queries/{id}/revisions", Perm: manage, Summary: "Propose a changed listening query"}, h.propose)
	u.Handle(Route{Method: "POST", Path: "/desk/watch/queries/{id}/revisions/{rev}/approve", Perm: approve, Summary: "Approve a listening query"}, h.approve)
	u.Handle(Route{Method: "POST", Path: "/desk/watch/queries/{id}/revisions/{rev}/reject", Perm: approve, Summary: "Reject a listening query"}, h.reject)
	u.Handle(Route{Method: "POST", Path: "/desk/watch/queries/{id}/retire", Perm: manage, Summary: "Stop a listening query"}, h.retire)
}

type queryRow struct {
	query.Saved
	Day, Week int
	Listen    []listenSummary // channels listening for it on platforms, by state
}

type queriesData struct {
	Rows    []queryRow
	Waiting bool // only those waiting for approval
}

func (h *queryPages) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := query.ListFilter{Waiting: r.URL.Query().Get("waiting") == "1"}
	qs, err := h.st.List(ctx, f)
	if err != nil {
		return err
	}
	now := time.Now()
	day, err := h.st.MatchCounts(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	week, err := h.st.MatchCounts(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	listen, err := h.st.ListeningStates(ctx)
	if err != nil {
		return err
	}
	d := queriesData{Waiting: f.Waiting}
	for _, q := range qs {
		d.Rows = append(d.Rows, queryRow{Saved: q, Day: day[q.ID], Week: week[q.ID], Listen: summarise(listen[q.ID])})
	}
	return h.u.Render(w, r, http.StatusOK, "queries.html", View{Title: "queries.title", Data: d})
}

// previewData is what a query matched over the last days.
type previewData struct {
	Days, Count int
	Exact       bool
	Posts       []post.Post
}

const previewDays, previewPosts, previewScan = 7, 10, 50000

// preview runs q over the last previewDays of history, with personal
// data redacted for roles without pii:view.
func (h *queryPages) preview(r *http.Request, q *query.Query) (*previewData, error) {
	ctx := r.Context()
	until := time.Now()
	since := until.Add(-previewDays * 24 * time.Hour)
	d := &previewData{Days: previewDays}
	var err error
	if d.Count, d.Exact, err = query.Count(ctx, h.db, q, since, until, previewScan); err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	if !p.Can(auth.PermPostsRead) {
		return d, nil
	}
	page, err := query.History(ctx, h.db, q, query.HistoryFilter{Since: since, Until: until, Limit: previewPosts, MaxScan: previewScan})
	if err != nil {
		return nil, err
	}
	privacy.Default(p).Posts(page.Posts)
	d.Posts = page.Posts
	return d, nil
}

type queryShow struct {
	Q         query.Saved
	Revisions []query.Revision
	Day, Week int
	// The pending proposal as the viewer may act on it.
	CanDecide bool // holds queries:approve and did not propose it
	OwnDraft  bool // the viewer proposed it
	CanChange bool // owner or approver
	Concerns  []string
	Preview   *previewData
	Listening []listenRow    // how each channel listens on its platform
	Listen    *listenPreview // how the shown definition is asked of platforms
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

func (h *queryPages) show(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sq, err := h.st.Get(ctx, id)
	if err != nil {
		return err
	}
	revs, err := h.st.Revisions(ctx, id)
	if err != nil {
		return err
	}
	p := auth.FromContext(ctx)
	d := queryShow{Q: sq, Revisions: revs, CanChange: p.UserID == sq.OwnerID || p.Can(auth.PermQueriesApprove)}
	now := time.Now()
	day, err := h.st.MatchCounts(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	week, err := h.st.MatchCounts(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	d.Day, d.Week = day[id], week[id]
	listen, err := h.st.ListeningStates(ctx, id)
	if err != nil {
		return err
	}
	shown := sq.Query
	if sq.Pending != nil {
		d.OwnDraft = sq.Pending.ProposedBy == p.UserID
		d.CanDecide = p.Can(auth.PermQueriesApprove) && !d.OwnDraft
		shown = sq.Pending.Query // the reviewer sees what the proposal would match
	}
	if shown != "" {
		if q, err := query.Parse(shown); err == nil {
			d.Concerns = query.ConcernCodes(q)
			d.Listen = previewListening(q)
			if d.Preview, err = h.preview(r, q); err != nil {
				return err
			}
		}
	}
	d.Listening = listenRows(listen[id], d.Listen)
	return h.u.Render(w, r, http.StatusOK, "query.html", View{Title: "queries.show_title", Data: d})
}
