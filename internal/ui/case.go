package ui

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/labels"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/web"
)

// casePath is a case's page.
func casePath(id int64) string { return "/desk/cases/" + strconv.FormatInt(id, 10) }

type replyView struct {
	outbox.Item
	Delivered   bool
	Undelivered bool // the platform took it but reported it not delivered (DeliveryDetail says why)
}

type casePageData struct {
	Case      desk.Case
	Thread    threadView   // the newest posts, in thread order
	Timeline  timelineView // the newest events
	Replies   []replyView
	Related   desk.Related
	Similar   []desk.Case
	Templates []desk.Template
	TellTpl   []desk.Template // templates for telling the citizen what the station did
	Users     []option
	// StationOptions are the stations' <option>s, rendered once for both
	// station selects (stationOptions).
	StationOptions template.HTML
	Map            template.HTML
	Unit           string // the station's name in the page's language
	Phone          string

	// The analysis of the first post, as chips.
	Lang       string
	Sentiment  string
	Emergency  bool
	Categories []string
	Urgency    int

	AllCategories []string
	Langs         []string
	Statuses      []string
	Actions       []string
	Helplines     []desk.Helpline
	ReplyLang     string
	Key           string // a fresh idempotency key for the composer (a double submit queues one reply)
	Draft         composer
	Seen          int64 // when the page was made (ms): the stale-edit screen shows what changed since

	CanReply, CanWrite, CanAssign, CanPII, CanEscalate, Station bool
	TellCitizen                                                 bool
}

func (dp *deskPages) caseRoutes() {
	u := dp.u
	u.Handle(Route{Method: "GET", Path: "/desk/cases/{id}", Perm: auth.PermCasesRead, Summary: "A case: thread, analysis, actions, timeline"}, dp.casePage)
	dp.caseActionRoutes()
	dp.threadRoutes()
	dp.presenceLive()
	dp.replyRoutes()
}

func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (dp *deskPages) casePage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	p := auth.FromContext(ctx)
	sc := desk.ScopeOf(p)
	raw, err := dp.d.GetCase(ctx, id, sc)
	if err != nil {
		return err
	}
	names := privacy.CaseNames(raw)
	c := maskedCase(raw)
	data := casePageData{Case: c, AllCategories: analyze.Categories, Langs: labels.Tasks["lang"], Statuses: desk.Statuses,
		Actions: desk.StationActions, Helplines: desk.Helplines, ReplyLang: desk.ReplyLang(c.Lang), Key: newKey(),
		CanReply: p.Can(auth.PermRepliesSend), CanWrite: p.Can(auth.PermCasesWrite), CanAssign: p.Can(auth.PermCasesAssign),
		CanPII: p.Can(auth.PermPIIView), TellCitizen: slices.Contains(c.Tags, desk.TagTellCitizen), Seen: dp.u.now().UnixMilli()}
	_, scoped := p.ScopeUnit()
	data.Station, data.CanEscalate = scoped, data.CanWrite && !scoped
	// The newest posts of the thread; the chips are the analysis of its
	// first post, read on its own when the thread is longer than a page.
	th, err := dp.d.CaseThread(ctx, id, sc, "", threadShown)
	if err != nil {
		return err
	}
	tr, now := dp.u.translator(r), dp.u.now()
	data.Thread = threadView{CaseID: id, CanPII: data.CanPII, Posts: postViews(tr, now, th.Posts), Earlier: th.Earlier, EarlierCount: th.EarlierCount}
	var first post.Post
	ok := len(th.Posts) > 0 && th.Earlier == ""
	if ok {
		first = th.Posts[0]
	} else if first, ok, err = dp.d.FirstPost(ctx, id); err != nil {
		return err
	}
	if ok {
		if a := first.Analysis; a != nil {
			data.Lang, data.Sentiment, data.Emergency, data.Urgency = a.Lang, a.Sentiment.Label, a.Emergency.Label, a.Urgency
			for _, k := range a.Categories {
				data.Categories = append(data.Categories, k.Name)
			}
		}
		// The stored filter column follows corrections; the analysis JSON does not.
		var s string
		if err := dp.d.DB().Read.QueryRowContext(ctx, "SELECT sentiment FROM posts WHERE id = $1", first.ID).Scan(&s); err == nil && s != "" {
			data.Sentiment = s
		}
	}
	if c.Lang != "" {
		data.Lang = c.Lang
	}
	userNames, users, err := dp.userNames(r)
	if err != nil {
		return err
	}
	data.Users = users
	tl, err := dp.d.TimelineBefore(ctx, id, sc, 0, timelineShown)
	if err != nil {
		return err
	}
	data.Timeline = timelineView{CaseID: id, Events: eventViews(tr, now, tl.Events, userNames, names), Earlier: tl.Earlier, EarlierCount: tl.EarlierCount}
	if data.CanEscalate { // both station selects are the escalating roles'
		units, err := dp.unitOptions(r)
		if err != nil {
			return err
		}
		data.StationOptions = stationOptions(units, c.UnitID)
	}
	if c.UnitID != 0 {
		if un, err := dp.units.Get(ctx, c.UnitID); err == nil {
			data.Unit, data.Phone = un.Name, un.Phone
			if Lang(r) == "kn" && un.NameKn != "" {
				data.Unit = un.NameKn
			}
			data.Map = boundarySVG(un.Geometry, data.Unit)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if data.Related, err = dp.d.RelatedOf(ctx, raw, sc); err != nil {
		return err
	}
	privacy.Viewer{}.Cases(data.Related.Cases)
	for i := range data.Related.Authors {
		a := &data.Related.Authors[i]
		if privacy.Private(a.Platform, c.Private) {
			a.Handle, a.Name, a.ExternalID = privacy.Hidden, privacy.Hidden, privacy.Hidden
		}
	}
	if data.CanWrite && !scoped {
		if data.Similar, err = dp.d.Similar(ctx, id, sc); err != nil {
			return err
		}
		privacy.Viewer{}.Cases(data.Similar)
	}
	if data.CanReply {
		if data.Templates, err = dp.d.Templates(ctx); err != nil {
			return err
		}
		for _, t := range data.Templates {
			if t.Purpose == "station_action" {
				data.TellTpl = append(data.TellTpl, t)
			}
		}
		items, err := dp.u.srv.Outbox().List(ctx, outbox.Filter{CaseID: id, Kind: outbox.Reply, Limit: 50})
		if err != nil {
			return err
		}
		for _, it := range items {
			privacy.Viewer{}.OutboxItem(&it, names...)
			data.Replies = append(data.Replies, replyView{Item: it, Delivered: it.DeliveryStatus == "delivered" || it.DeliveryStatus == "read",
				Undelivered: it.DeliveryStatus == "failed"})
		}
	}
	data.Draft = composer{CaseID: id}
	if tpl, _ := strconv.ParseInt(r.URL.Query().Get("draft"), 10, 64); tpl > 0 && data.CanReply {
		// ?draft=TEMPLATE fills the composer without script (the prompt to
		// tell the citizen links here).
		out, err := dp.d.RenderTemplate(ctx, tpl, id, sc, "", privacy.Default(p).ShowsAuthor)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		data.Draft.Text, data.Draft.Lang, data.Draft.Missing = out.Text, out.Lang, out.Missing
	}
	if err := dp.d.ReadMentions(ctx, p.UserID, id); err != nil {
		return err
	}
	if err := dp.d.MarkSeen(ctx, p.UserID, id); err != nil {
		return err
	}
	return dp.u.Render(w, r, http.StatusOK, "case.html", View{Title: "case.title", TitleArgs: []any{c.Ref}, Data: data})
}
