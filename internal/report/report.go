// Package report builds the daily brief and the weekly report of a unit
// (a police station, a division, the whole force): volumes, top issues,
// SLA performance, notable posts and incidents over one period, from the
// watch floor's rollups where they exist and from indexed ranges of the
// posts and cases of the unit's stations otherwise. A report is stored as
// built (redacted) so a link in an e-mail opens exactly what was sent;
// it renders as CSV and PDF here and as a page in the desk (internal/ui).
// Schedules deliver reports by e-mail through internal/notify, once per
// period, from one replica at a time.
package report

import (
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Kinds of report.
const (
	Daily  = "daily"
	Weekly = "weekly"
)

// IST is the force's clock: a day of a report runs from midnight to
// midnight Asia/Kolkata (UTC+05:30, no daylight saving).
var IST = time.FixedZone("IST", 5*3600+1800)

// Period returns the period of kind that ends at or before at: the day
// before at's day (daily), or the seven days to the Monday on or before
// at's day (weekly, Monday to Sunday), in IST.
func Period(kind string, at time.Time) (since, until time.Time, err error) {
	t := at.In(IST)
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, IST)
	switch kind {
	case Daily:
		return midnight.AddDate(0, 0, -1), midnight, nil
	case Weekly:
		back := (int(midnight.Weekday()) + 6) % 7 // days since Monday
		until = midnight.AddDate(0, 0, -back)
		return until.AddDate(0, 0, -7), until, nil
	}
	return time.Time{}, time.Time{}, &Invalid{"kind", "kind is daily or weekly"}
}

// PeriodOf returns the period of kind that starts on day (any time in
// that IST day; a weekly period starts on that day's Monday).
func PeriodOf(kind string, day time.Time) (since, until time.Time, err error) {
	t := day.In(IST)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, IST)
	switch kind {
	case Daily:
		return d, d.AddDate(0, 0, 1), nil
	case Weekly:
		d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		return d, d.AddDate(0, 0, 7), nil
	}
	return time.Time{}, time.Time{}, &Invalid{"kind", "kind is daily or weekly"}
}

// Invalid is a refused request: which field, and why.
type Invalid struct{ Field, Message string }

func (e *Invalid) Error() string        { return "report: " + e.Field + ": " + e.Message }
func (e *Invalid) InvalidField() string { return e.Field }

// ErrNotFound is a report or schedule that does not exist.
var ErrNotFound = store.ErrNotFound

// Unit is the unit a report is about.
type Unit struct {
	ID     int64  `json:"id"` // 0: the whole force
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	NameKn string `json:"name_kn,omitempty"`
}

// Count is a value and its posts (or cases).
type Count struct {
	Value string `json:"value"`
	N     int64  `json:"n"`
}

// Day is one IST day's posts.
type Day struct {
	Day   time.Time `json:"day"`
	Posts int64     `json:"posts"`
}

// Volumes are the posts of the period, broken down.
type Volumes struct {
	Posts       int64   `json:"posts"`
	Previous    int64   `json:"previous"` // the period before, for comparison
	ByDay       []Day   `json:"by_day"`
	ByPlatform  []Count `json:"by_platform"`
	BySentiment []Count `json:"by_sentiment"`
	ByLang      []Count `json:"by_lang"`
	Negative    int64   `json:"negative"`
	Emergency   int64   `json:"emergency"`
}

// Issues are what people wrote about most.
type Issues struct {
	Categories []Count `json:"categories"`
	Places     []Count `json:"places"`
	Hashtags   []Count `json:"hashtags"`
	Stations   []Count `json:"stations,omitempty"` // a division's or the force's busiest stations
}

// SLA is how the unit's cases were answered and resolved.
type SLA struct {
	Opened          int64   `json:"opened"`            // cases opened in the period
	FirstBreached   int64   `json:"first_breached"`    // of those, first response late or still missing
	ResolveBreached int64   `json:"resolve_breached"`  // resolution late or still missing
	BreachRate      float64 `json:"breach_rate"`       // either breached / opened
	Responded       int64   `json:"responded"`         // first responses given in the period
	MeanResponse    float64 `json:"mean_response_min"` // minutes
	ResponseOnTime  float64 `json:"response_on_time"`  // share 0..1
	Resolved        int64   `json:"resolved"`
	MeanResolution  float64 `json:"mean_resolution_h"` // hours
	ResolveOnTime   float64 `json:"resolve_on_time"`
	OverdueNow      int64   `json:"overdue_now"` // open cases past their deadline when built
}

// Notable is a post worth a senior officer's eye: an emergency, or the
// most urgent of the period. Its text is redacted unless the report was
// opened with pii:view (never stored that way).
type Notable struct {
	PostID    int64     `json:"post_id"`
	At        time.Time `json:"at"`
	Platform  string    `json:"platform"`
	Author    string    `json:"author,omitempty"` // only in an unredacted view
	Station   string    `json:"station"`
	Category  string    `json:"category"`
	Sentiment string    `json:"sentiment"`
	Urgency   int       `json:"urgency"`
	Emergency bool      `json:"emergency"`
	Ref       string    `json:"ref,omitempty"` // the case's reference
	Text      string    `json:"text"`
}

// Incident is an alert or a crisis room of the period.
type Incident struct {
	Source   string    `json:"source"` // alert, crisis
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Subject  string    `json:"subject"`
	Severity string    `json:"severity"`
	State    string    `json:"state"`
	At       time.Time `json:"at"`
	Link     string    `json:"link,omitempty"`
}

// Report is one unit's report over one period.
type Report struct {
	ID        int64      `json:"id,omitempty"`
	Kind      string     `json:"kind"`
	Unit      Unit       `json:"unit"`
	Since     time.Time  `json:"since"`
	Until     time.Time  `json:"until"`
	BuiltAt   time.Time  `json:"built_at"`
	Redacted  bool       `json:"redacted"`
	Volumes   Volumes    `json:"volumes"`
	Issues    Issues     `json:"issues"`
	SLA       SLA        `json:"sla"`
	Notable   []Notable  `json:"notable"`
	Incidents []Incident `json:"incidents"`
}

// Title is the report's name in English, for file names and logs.
func (r Report) Title() string {
	return fmt.Sprintf("%s %s %s", r.Kind, r.Unit.Name, r.Since.In(IST).Format("2006-01-02"))
}
