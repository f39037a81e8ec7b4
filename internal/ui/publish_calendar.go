package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/web"
)

// calItem is one publication at one moment on the calendar.
type calItem struct {
	ID         int64
	Title      string
	State      publish.State
	Kind       publish.Kind
	At         time.Time
	Clock      string // HH:MM in Asia/Kolkata
	Recurring  bool
	Movable    bool // dragging (or the date form) can move it
	Occurrence int
}

type calDay struct {
	Date    string // YYYY-MM-DD
	Day     int
	Weekday int // 0 Monday … 6 Sunday
	Month   int
	Other   bool // outside the month shown
	Today   bool
	Items   []calItem
}

type calData struct {
	View        string // week or month
	Title       time.Time
	Weeks       [][]calDay
	Prev, Next  string
	Today       string
	Unscheduled []calItem // drafts with no time yet
}

// calendar draws a week or a month (Monday first) of publications in
// Asia/Kolkata. Each item is draggable to another day where JavaScript
// runs (publish.js keeps its time of day); without it, each item's page
// has the date form.
func (pp *publishPages) calendar(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	view := q.Get("view")
	if view != "week" {
		view = "month"
	}
	now := pp.u.now().In(IST)
	day, err := time.ParseInLocation("2006-01-02", q.Get("date"), IST)
	if err != nil {
		day = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, IST)
	}
	monday := func(t time.Time) time.Time { return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)) }
	var from, to time.Time
	d := calData{View: view, Title: day, Today: now.Format("2006-01-02")}
	if view == "week" {
		from = monday(day)
		to = from.AddDate(0, 0, 7)
		d.Prev, d.Next = from.AddDate(0, 0, -7).Format("2006-01-02"), to.Format("2006-01-02")
	} else {
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, IST)
		from = monday(first)
		last := first.AddDate(0, 1, 0)
		to = monday(last.AddDate(0, 0, 6))
		d.Title = first
		d.Prev, d.Next = first.AddDate(0, -1, 0).Format("2006-01-02"), last.Format("2006-01-02")
	}
	pubs, err := pp.ps.List(r.Context(), publish.Filter{From: from, To: to, Limit: 500,
		States: []publish.State{publish.StateDraft, publish.InReview, publish.Approved, publish.Rejected}})
	if err != nil {
		return err
	}
	byDay := map[string][]calItem{}
	for _, p := range pubs {
		if p.ScheduledAt.IsZero() && p.State != publish.Approved {
			d.Unscheduled = append(d.Unscheduled, calItem{ID: p.ID, Title: p.Title, State: p.State, Kind: p.Kind})
			continue
		}
		for n, at := range publish.Occurrences(p, from, to) {
			l := at.In(IST)
			it := calItem{ID: p.ID, Title: p.Title, State: p.State, Kind: p.Kind, At: at, Clock: l.Format("15:04"),
				Recurring: p.Recur != "", Occurrence: n}
			it.Movable = p.Recur == "" && at.After(pp.u.now()) && !sent(p)
			byDay[l.Format("2006-01-02")] = append(byDay[l.Format("2006-01-02")], it)
		}
	}
	for wk := from; wk.Before(to); wk = wk.AddDate(0, 0, 7) {
		var week []calDay
		for i := range 7 {
			x := wk.AddDate(0, 0, i)
			k := x.Format("2006-01-02")
			week = append(week, calDay{Date: k, Day: x.Day(), Weekday: i, Month: int(x.Month()), Today: k == d.Today,
				Other: view == "month" && x.Month() != d.Title.Month(), Items: byDay[k]})
		}
		d.Weeks = append(d.Weeks, week)
	}
	return pp.u.Render(w, r, http.StatusOK, "publish_calendar.html", View{Title: "publish.calendar.title", Data: d})
}

// sent reports whether the outbox has started on any version.
func sent(p publish.Publication) bool {
	for _, v := range p.Versions {
		for _, s := range v.Sends {
			if s.State != "pending" && s.State != "cancelled" {
				return true
			}
		}
	}
	return false
}

type campaignsData struct {
	Campaigns    []publish.Campaign
	Edit         publish.Campaign
	Starts, Ends string // the edited campaign's dates in Asia/Kolkata
}

func (pp *publishPages) campaigns(w http.ResponseWriter, r *http.Request) error {
	cs, err := pp.ps.Campaigns(r.Context())
	if err != nil {
		return err
	}
	d := campaignsData{Campaigns: cs}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); id > 0 {
		if d.Edit, err = pp.ps.Campaign(r.Context(), id); err != nil {
			return err
		}
		if !d.Edit.StartsAt.IsZero() {
			d.Starts = d.Edit.StartsAt.In(IST).Format("2006-01-02")
		}
		if !d.Edit.EndsAt.IsZero() {
			d.Ends = d.Edit.EndsAt.In(IST).Format("2006-01-02")
		}
	}
	return pp.u.Render(w, r, http.StatusOK, "publish_campaigns.html", View{Title: "publish.campaigns.title", Data: d})
}

func (pp *publishPages) saveCampaign(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.Errorf(http.StatusBadRequest, "bad_request", "unreadable form")
	}
	f := r.PostForm
	c := publish.Campaign{Name: f.Get("name"), Goal: f.Get("goal")}
	c.ID, _ = strconv.ParseInt(f.Get("id"), 10, 64)
	back := PublishPath + "/campaigns"
	for _, x := range []struct {
		v   string
		dst *time.Time
		end bool
	}{{f.Get("starts"), &c.StartsAt, false}, {f.Get("ends"), &c.EndsAt, true}} {
		if x.v == "" {
			continue
		}
		clock := "00:00"
		if x.end {
			clock = "23:59"
		}
		at, ok := localTime(x.v, clock)
		if !ok {
			pp.u.Flash(r, FlashError, "publish.schedule.bad_date")
			return pp.u.Redirect(w, r, back)
		}
		*x.dst = at
	}
	got, err := pp.ps.SaveCampaign(r.Context(), auth.FromContext(r.Context()), c)
	if err != nil {
		return pp.refusal(w, r, err, back)
	}
	pp.u.Flash(r, FlashOK, "publish.campaigns.saved", got.Name)
	return pp.u.Redirect(w, r, PublishPath+"/campaigns/"+strconv.FormatInt(got.ID, 10))
}

type campaignData struct {
	Campaign publish.Campaign
	Rows     []pubRow
	Results  publish.Results
}

func (pp *publishPages) campaign(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := pp.ps.Campaign(r.Context(), id)
	if err != nil {
		return err
	}
	pubs, err := pp.ps.List(r.Context(), publish.Filter{CampaignID: id, Limit: 500})
	if err != nil {
		return err
	}
	d := campaignData{Campaign: c}
	if d.Rows, err = pp.rows(r, pubs); err != nil {
		return err
	}
	if d.Results, err = pp.ps.CampaignResults(r.Context(), id); err != nil {
		return err
	}
	return pp.u.Render(w, r, http.StatusOK, "publish_campaign.html", View{Title: "publish.campaign.title", TitleArgs: []any{c.Name}, Data: d})
}
