package ui

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/web"
)

// formData is the compose page: the publication (zero for a new one),
// what may be chosen, and per (account, language) key "ID/lang" the
// version's state on the form.
type formData struct {
	Pub         publish.Publication
	Accounts    []publish.Account
	Campaigns   []publish.Campaign
	Kinds       []publish.Kind
	Langs       []string
	Recurrences []string
	Sel         map[string]bool   // version chosen
	VText       map[string]string // its own words ("" takes the publication's)
	VMedia      map[string]bool   // it carries the images
	Problems    map[string]string // what its platform would refuse
	Date, Time  string            // the schedule in Asia/Kolkata
	Until       string
	Editable    bool
	CanApprove  bool // holds replies:approve and wrote none of it
	CanCancel   bool
	Names       map[int64]string
	History     []publish.Event
	Results     publish.Results
	Stations    []publish.StationGroup
	Targeted    map[int64]bool
	PickMap     template.HTML  // the stations' areas to click (publish_map.go)
	Open        map[int64]bool // accounts shown open (a version chosen)
}

func vkey(ch int64, lang string) string { return strconv.FormatInt(ch, 10) + "/" + lang }

func (pp *publishPages) formData(r *http.Request, p publish.Publication) (formData, error) {
	ctx := r.Context()
	d := formData{Pub: p, Kinds: publish.Kinds, Langs: publish.Langs, Recurrences: publish.Recurrences,
		Sel: map[string]bool{}, VText: map[string]string{}, VMedia: map[string]bool{}, Problems: map[string]string{}, Open: map[int64]bool{}}
	var err error
	if d.Accounts, err = pp.ps.Accounts(ctx); err != nil {
		return d, err
	}
	if d.Campaigns, err = pp.ps.Campaigns(ctx); err != nil {
		return d, err
	}
	if d.Names, err = pp.ps.UserNames(ctx); err != nil {
		return d, err
	}
	if d.Stations, err = pp.ps.StationGroups(ctx, 0); err != nil {
		return d, err
	}
	d.Targeted = map[int64]bool{}
	for _, u := range p.Stations {
		d.Targeted[u] = true
	}
	if d.PickMap, err = pp.pickMap(ctx, pp.u.translator(r), d.Stations, d.Targeted); err != nil {
		return d, err
	}
	if p.Texts == nil {
		d.Pub.Texts = map[string]string{}
		d.Pub.Public = true
	}
	for _, v := range p.Versions {
		k := vkey(v.ChannelID, v.Lang)
		d.Sel[k], d.VMedia[k], d.Open[v.ChannelID] = true, v.WithMedia, true
		if v.Text != p.Texts[v.Lang] {
			d.VText[k] = v.Text
		}
	}
	if !p.ScheduledAt.IsZero() {
		l := p.ScheduledAt.In(IST)
		d.Date, d.Time = l.Format("2006-01-02"), l.Format("15:04")
	}
	if !p.RecurUntil.IsZero() {
		d.Until = p.RecurUntil.In(IST).Format("2006-01-02")
	}
	d.Editable = p.ID == 0 || p.State == publish.StateDraft || p.State == publish.Rejected || p.State == publish.InReview
	if p.ID != 0 {
		if p.State == publish.StateDraft || p.State == publish.Rejected {
			for _, pr := range pp.ps.Problems(ctx, p) {
				d.Problems[vkey(pr.ChannelID, pr.Lang)] = pr.Message
			}
		}
		if d.History, err = pp.ps.History(ctx, p.ID); err != nil {
			return d, err
		}
		if d.Results, err = pp.ps.Results(ctx, p.ID); err != nil {
			return d, err
		}
		u := auth.FromContext(ctx)
		d.CanApprove = u.Can(auth.PermRepliesApprove)
		for _, e := range d.History {
			if e.UserID == u.UserID && (e.Action == "created" || e.Action == "edited" || e.Action == "media_added") {
				d.CanApprove = false
			}
		}
		d.CanCancel = p.State != publish.Cancelled && (p.CreatedBy == u.UserID || u.Can(auth.PermRepliesApprove))
	}
	return d, nil
}

// draftFrom reads the compose form.
func (pp *publishPages) draftFrom(r *http.Request, accounts []publish.Account) (publish.Draft, int, error) {
	f := r.PostForm
	d := publish.Draft{Kind: publish.Kind(f.Get("kind")), Title: f.Get("title"), Texts: map[string]string{},
		Recur: f.Get("recur"), Public: f.Get("public") == "1"}
	d.CampaignID, _ = strconv.ParseInt(f.Get("campaign_id"), 10, 64)
	for _, v := range f["station"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			d.Stations = append(d.Stations, id)
		}
	}
	if place := strings.TrimSpace(f.Get("place")); place != "" {
		d.Place = place
		d.RadiusKm, _ = strconv.ParseFloat(f.Get("radius_km"), 64)
	}
	for _, l := range publish.Langs {
		d.Texts[l] = f.Get("text_" + l)
	}
	for _, a := range accounts {
		for _, l := range publish.Langs {
			suffix := fmt.Sprintf("_%d_%s", a.ID, l)
			if f.Get("v"+suffix) == "1" {
				d.Versions = append(d.Versions, publish.VersionIn{ChannelID: a.ID, Lang: l, Text: f.Get("vt" + suffix), WithMedia: f.Get("vm"+suffix) == "1"})
			}
		}
	}
	if date := f.Get("date"); date != "" {
		at, ok := localTime(date, f.Get("time"))
		if !ok {
			return d, 0, &publish.Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "date", Msg: pp.t(r, "publish.schedule.bad_date")}
		}
		d.ScheduledAt = at
	}
	if until := f.Get("recur_until"); until != "" {
		at, ok := localTime(until, "23:59")
		if !ok {
			return d, 0, &publish.Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "recur_until", Msg: pp.t(r, "publish.schedule.bad_date")}
		}
		d.RecurUntil = at
	}
	version, _ := strconv.Atoi(f.Get("version"))
	return d, version, nil
}

func (pp *publishPages) compose(w http.ResponseWriter, r *http.Request) error {
	d, err := pp.formData(r, publish.Publication{Kind: publish.KindPost})
	if err != nil {
		return err
	}
	if c, _ := strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64); c > 0 {
		d.Pub.CampaignID = c
	}
	return pp.u.Render(w, r, http.StatusOK, "publish_edit.html", View{Title: "publish.new.title", Data: d})
}

func (pp *publishPages) create(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	accounts, err := pp.ps.Accounts(r.Context())
	if err != nil {
		return err
	}
	d, _, err := pp.draftFrom(r, accounts)
	if err == nil {
		var p publish.Publication
		if p, err = pp.ps.Create(r.Context(), auth.FromContext(r.Context()), d); err == nil {
			pp.u.Flash(r, FlashOK, "publish.saved")
			return pp.u.Redirect(w, r, pubPath(p.ID))
		}
	}
	pe, ok := publish.AsError(err)
	if !ok {
		return err
	}
	// Keep what was typed: render the form again with the refusal.
	fd, ferr := pp.formData(r, publish.Publication{Kind: d.Kind, Title: d.Title, CampaignID: d.CampaignID, Texts: d.Texts, Public: d.Public,
		Recur: d.Recur, ScheduledAt: d.ScheduledAt, RecurUntil: d.RecurUntil, Versions: versionsOf(d), Stations: d.Stations})
	if ferr != nil {
		return ferr
	}
	pp.u.Flash(r, FlashError, "publish.refused", pe.Msg)
	return pp.u.Render(w, r, http.StatusUnprocessableEntity, "publish_edit.html", View{Title: "publish.new.title", Data: fd})
}

func versionsOf(d publish.Draft) []publish.Version {
	out := make([]publish.Version, len(d.Versions))
	for i, v := range d.Versions {
		t := v.Text
		if t == "" {
			t = d.Texts[v.Lang]
		}
		out[i] = publish.Version{ChannelID: v.ChannelID, Lang: v.Lang, Text: t, WithMedia: v.WithMedia}
	}
	return out
}

func (pp *publishPages) detail(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := pp.ps.Get(r.Context(), id)
	if err != nil {
		return err
	}
	d, err := pp.formData(r, p)
	if err != nil {
		return err
	}
	return pp.u.Render(w, r, http.StatusOK, "publish_edit.html", View{Title: "publish.view.title", TitleArgs: []any{p.Title}, Data: d})
}

func (pp *publishPages) update(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	accounts, err := pp.ps.Accounts(r.Context())
	if err != nil {
		return err
	}
	d, version, err := pp.draftFrom(r, accounts)
	if err == nil {
		_, err = pp.ps.Update(r.Context(), auth.FromContext(r.Context()), id, version, d)
	}
	if err != nil {
		return pp.refusal(w, r, err, pubPath(id))
	}
	pp.u.Flash(r, FlashOK, "publish.saved")
	return pp.u.Redirect(w, r, pubPath(id))
}

// checkData is one version's live check and preview.
type checkData struct {
	Account publish.Account
	Lang    string
	Text    string
	Check   publish.Check
	Media   []publish.Media
	PubID   int64
}

// check answers the compose form's htmx request for one version
// (?channel=ID&lang=xx): what its platform would say, and how it reads.
func (pp *publishPages) check(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	q := r.URL.Query()
	ch, _ := strconv.ParseInt(q.Get("channel"), 10, 64)
	lang := q.Get("lang")
	accounts, err := pp.ps.Accounts(r.Context())
	if err != nil {
		return err
	}
	d := checkData{Lang: lang}
	for _, a := range accounts {
		if a.ID == ch {
			d.Account = a
		}
	}
	if d.Account.ID == 0 {
		return web.Errorf(http.StatusNotFound, "not_found", "no such account")
	}
	suffix := fmt.Sprintf("_%d_%s", ch, lang)
	d.Text = strings.TrimSpace(r.PostFormValue("vt" + suffix))
	if d.Text == "" {
		d.Text = strings.TrimSpace(r.PostFormValue("text_" + lang))
	}
	media := 0
	if d.PubID, _ = strconv.ParseInt(r.PostFormValue("id"), 10, 64); d.PubID > 0 && r.PostFormValue("vm"+suffix) == "1" {
		if p, err := pp.ps.Get(r.Context(), d.PubID); err == nil {
			d.Media, media = p.Media, len(p.Media)
		}
	}
	if d.Text != "" {
		if d.Check, err = pp.ps.CheckVersion(r.Context(), ch, d.Text, media); err != nil {
			return err
		}
	}
	return pp.u.Fragment(w, r, http.StatusOK, "publish_edit.html", "pub-check", d)
}
