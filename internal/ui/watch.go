package ui

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// watchPages are the watch floor's dashboards: volume over time, the
// station map and the reputation index. Each reads rollups kept at
// intake (internal/watch) and has its JSON twin under /api/v1/watch/.
// Charts are drawn by the vendored ECharts from the page's own table,
// which stays on the page for screen readers and browsers without script.
type watchPages struct {
	u     *UI
	db    *store.DB
	shape *outlines
}

// WatchPages registers the dashboards (call from app.New).
func (u *UI) WatchPages(db *store.DB) {
	h := &watchPages{u: u, db: db, shape: &outlines{db: db}}
	read := auth.PermAnalyticsRead
	u.Handle(Route{Method: "GET", Path: "/desk/watch", Perm: read, Summary: "Volume over time",
		Nav: &Nav{Section: SectionWatch, Label: "watch.tab.volume", Order: 10}}, h.volume)
	u.Handle(Route{Method: "GET", Path: "/desk/watch/map", Perm: read, Summary: "Map of the stations",
		Nav: &Nav{Section: SectionWatch, Label: "watch.tab.map", Order: 20}}, h.stationMap)
	u.Handle(Route{Method: "GET", Path: "/desk/watch/terms", Perm: read, Summary: "Top places, hashtags and emerging terms",
		Nav: &Nav{Section: SectionWatch, Label: "watch.tab.terms", Order: 25}}, h.terms)
	u.Handle(Route{Method: "GET", Path: "/desk/watch/response", Perm: read, Summary: "Response times and SLA performance",
		Nav: &Nav{Section: SectionWatch, Label: "watch.tab.response", Order: 28}}, h.response)
	u.Handle(Route{Method: "GET", Path: "/desk/watch/reputation", Perm: read, Summary: "Reputation index",
		Nav: &Nav{Section: SectionWatch, Label: "watch.tab.reputation", Order: 30}}, h.reputation)
}

// A window the dashboards offer: how far back and in which steps.
type window struct {
	Key      string // "1d", "7d", "30d", "90d"
	Days     int
	Interval string
}

var windows = []window{{"1d", 1, "hour"}, {"7d", 7, "hour"}, {"30d", 30, "day"}, {"90d", 90, "day"}}

func pickWindow(v, def string) window {
	for _, w := range windows {
		if w.Key == v {
			return w
		}
	}
	return pickWindow(def, "7d")
}

// option is a choice of a filter form (value, catalogue key, chosen).
type watchOption struct {
	Value, Label string
	Selected     bool
}

func watchOptions(keys []string, label func(string) string, chosen string) []watchOption {
	out := make([]watchOption, len(keys))
	for i, k := range keys {
		out[i] = watchOption{Value: k, Label: label(k), Selected: k == chosen}
	}
	return out
}

func windowOptions(chosen string, only ...string) []watchOption {
	var keys []string
	for _, w := range windows {
		if len(only) == 0 || slices.Contains(only, w.Key) {
			keys = append(keys, w.Key)
		}
	}
	return watchOptions(keys, func(k string) string { return "watch.window." + k }, chosen)
}

// volumeRow is one interval of the table under the chart.
type volumeRow struct {
	T     time.Time
	Cells []int64
}

type volumeData struct {
	By, Window   string
	Interval     string
	Dims, Wins   []watchOption
	Volume       watch.Volume
	Series       []watch.Series // the chart's columns
	Rows         []volumeRow
	ChartLabelKn string
}

func (h *watchPages) volume(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	by := q.Get("by")
	if !slices.Contains(watch.Dims, by) {
		by = watch.DimAll
	}
	win := pickWindow(q.Get("window"), "7d")
	now := h.u.now()
	v, err := watch.ReadVolume(r.Context(), h.db, watch.VolumeFilter{By: by, Interval: win.Interval, Top: 8,
		Since: now.Add(-time.Duration(win.Days) * 24 * time.Hour), Until: now})
	if err != nil {
		return err
	}
	d := volumeData{By: by, Window: win.Key, Interval: win.Interval, Volume: v, Series: v.Series,
		Dims: watchOptions(watch.Dims, func(k string) string { return "watch.by." + k }, by), Wins: windowOptions(win.Key)}
	if len(v.Series) > 0 {
		for i, p := range v.Series[0].Points {
			row := volumeRow{T: p.T, Cells: make([]int64, len(v.Series))}
			for j, s := range v.Series {
				row.Cells[j] = s.Points[i].Posts
			}
			d.Rows = append(d.Rows, row)
		}
	}
	return h.u.Render(w, r, http.StatusOK, "watch_volume.html", View{Title: "watch.volume.title", Data: d})
}

type repData struct {
	Window string
	Wins   []watchOption
	Rep    watch.Reputation
}

func (h *watchPages) reputation(w http.ResponseWriter, r *http.Request) error {
	win := pickWindow(r.URL.Query().Get("window"), "30d")
	now := h.u.now()
	interval := "day"
	if win.Days <= 7 {
		interval = "hour"
	}
	rep, err := watch.ReadReputation(r.Context(), h.db, now.Add(-time.Duration(win.Days)*24*time.Hour), now, interval)
	if err != nil {
		return err
	}
	return h.u.Render(w, r, http.StatusOK, "watch_reputation.html", View{Title: "watch.rep.title",
		Data: repData{Window: win.Key, Wins: windowOptions(win.Key), Rep: rep}})
}

func init() {
	// slot names an interval of a dashboard in Kolkata time: "7 Dec
	// 14:00" by hour, "7 Dec" by day.
	AddFunc("slot", func(t Translator) any {
		return func(at time.Time, interval string) string {
			l := at.In(IST)
			day := strconv.Itoa(l.Day()) + " " + t.T("month."+l.Format("1"))
			if interval == "day" {
				return day
			}
			return day + " " + l.Format("15:04")
		}
	})
	// dimval is a dimension value as people read it: a platform's,
	// category's, sentiment's or language's name from the catalogue, a
	// station's name as the pack spells it.
	AddFunc("dimval", func(t Translator) any {
		return func(dim string, s watch.Series) string {
			switch {
			case s.Other:
				return t.T("watch.other")
			case dim == watch.DimAll:
				return t.T("watch.all_posts")
			case s.Value == "":
				return t.T("watch.none." + dim)
			}
			key := map[string]string{watch.DimPlatform: "platform.", watch.DimCategory: "cat.", watch.DimSentiment: "sentiment.", watch.DimLang: "watch.lang."}[dim] + s.Value
			if key != s.Value && t.Has(key) {
				return t.T(key)
			}
			return s.Value
		}
	})
	AddFunc("pct", func(t Translator) any {
		return func(x float64) string { return strconv.FormatFloat(x*100, 'f', 0, 64) + "%" }
	})
	AddFunc("signed", func(t Translator) any {
		return func(x *float64) string {
			if x == nil {
				return "–"
			}
			s := strconv.FormatFloat(*x, 'f', 1, 64)
			if *x > 0 {
				s = "+" + s
			}
			return s
		}
	})
}

// spanOptions are windows without their steps, for pages with no time
// axis (the map).
func spanOptions(chosen string, only ...string) []watchOption {
	return watchOptions(only, func(k string) string { return "watch.span." + k }, chosen)
}
