package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/watch"
)

// outlines are the law-and-order stations' boundaries projected once into
// one SVG frame (1000 units wide), kept for ten minutes: the units table
// holds 0.5 MB of GeoJSON that does not change between page loads.
type outlines struct {
	db     *store.DB
	mu     sync.Mutex
	at     time.Time
	paths  map[int64]string // unit id -> path data (numbers only)
	height float64
}

const outlineWidth = 1000.0

func (o *outlines) get(ctx context.Context) (map[int64]string, float64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.paths != nil && time.Since(o.at) < 10*time.Minute {
		return o.paths, o.height, nil
	}
	rows, err := o.db.Read.QueryContext(ctx, "SELECT id, geometry FROM units WHERE kind = 'station' AND geometry <> ''")
	if err != nil {
		return nil, 0, fmt.Errorf("ui: unable to read station boundaries: %w", err)
	}
	defer rows.Close()
	polys := map[int64][][][][2]float64{}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for rows.Next() {
		var id int64
		var g string
		if err := rows.Scan(&id, &g); err != nil {
			return nil, 0, fmt.Errorf("ui: unable to read station boundaries: %w", err)
		}
		ps := polygons([]byte(g))
		if ps == nil {
			continue // a boundary that is not a (multi)polygon is left off the map
		}
		polys[id] = ps
		for _, p := range ps {
			for _, ring := range p {
				for _, c := range ring {
					minX, maxX = math.Min(minX, c[0]), math.Max(maxX, c[0])
					minY, maxY = math.Min(minY, c[1]), math.Max(maxY, c[1])
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("ui: unable to read station boundaries: %w", err)
	}
	paths := map[int64]string{}
	height := 0.0
	if len(polys) > 0 && maxX > minX && maxY > minY {
		k := math.Cos((minY + maxY) / 2 * math.Pi / 180)
		scale := outlineWidth / ((maxX - minX) * k)
		height = (maxY - minY) * scale
		for id, ps := range polys {
			var d strings.Builder
			for _, p := range ps {
				for _, ring := range p {
					var lx, ly float64
					for i, c := range ring {
						x, y := (c[0]-minX)*k*scale, (maxY-c[1])*scale
						// Points closer than a unit to the last drawn one
						// are invisible at any size the page shows.
						if i > 0 && i < len(ring)-1 && math.Abs(x-lx) < 1 && math.Abs(y-ly) < 1 {
							continue
						}
						if i == 0 {
							fmt.Fprintf(&d, "M%.1f %.1f", x, y)
						} else {
							fmt.Fprintf(&d, "L%.1f %.1f", x, y)
						}
						lx, ly = x, y
					}
					d.WriteString("Z")
				}
			}
			paths[id] = d.String()
		}
	}
	o.paths, o.height, o.at = paths, height, time.Now()
	return paths, height, nil
}

// polygons reads a GeoJSON Polygon or MultiPolygon; nil otherwise.
func polygons(geometry []byte) [][][][2]float64 {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal(geometry, &g) != nil {
		return nil
	}
	switch g.Type {
	case "Polygon":
		var p [][][2]float64
		if json.Unmarshal(g.Coordinates, &p) != nil {
			return nil
		}
		return [][][][2]float64{p}
	case "MultiPolygon":
		var ps [][][][2]float64
		if json.Unmarshal(g.Coordinates, &ps) != nil {
			return nil
		}
		return ps
	}
	return nil
}

// Map metrics.
var mapMetrics = []string{"posts", "negative", "urgent"}

// minPostsForShare: below it a station's negative share says nothing.
const minPostsForShare = 5

// mapStation is a station as the map and its table show it.
type mapStation struct {
	watch.StationStat
	Label string // the name in the page's language
	Class string // q0 … q5, qn (too few posts to judge)
	Value string // the metric as shown
}

type legendItem struct{ Class, Label string }

type mapData struct {
	Metric, Window string
	Metrics, Wins  []watchOption
	Map            watch.StationMap
	Stations       []mapStation // ordered by the metric, highest first
	Active, Quiet  []mapStation // split: with a value, and the rest
	SVG            template.HTML
	Legend         []legendItem
}

func (h *watchPages) stationMap(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	metric := q.Get("metric")
	if !slices.Contains(mapMetrics, metric) {
		metric = "posts"
	}
	win := pickWindow(q.Get("window"), "7d")
	now := h.u.now()
	m, err := watch.ReadStations(r.Context(), h.db, now.Add(-time.Duration(win.Days)*24*time.Hour), now)
	if err != nil {
		return err
	}
	paths, height, err := h.shape.get(r.Context())
	if err != nil {
		return err
	}
	t := h.u.translator(r)
	d := mapData{Metric: metric, Window: win.Key, Map: m,
		Metrics: watchOptions(mapMetrics, func(k string) string { return "watch.map.metric." + k }, metric),
		Wins:    spanOptions(win.Key, "1d", "7d", "30d")}
	value := func(s watch.StationStat) float64 {
		switch metric {
		case "negative":
			if s.Posts < minPostsForShare {
				return -1
			}
			return s.NegativeShare
		case "urgent":
			return float64(s.OpenUrgent)
		}
		return float64(s.Posts)
	}
	var top float64
	for _, s := range m.Stations {
		top = math.Max(top, value(s))
	}
	for _, s := range m.Stations {
		ms := mapStation{StationStat: s, Label: s.Name}
		if t.lang == "kn" && s.NameKn != "" {
			ms.Label = s.NameKn
		}
		v := value(s)
		switch {
		case v < 0:
			ms.Class, ms.Value = "qn", t.T("watch.map.too_few")
		case metric == "negative":
			ms.Class, ms.Value = "q"+strconv.Itoa(max(1, min(5, int(math.Ceil(v*5))))), strconv.FormatFloat(v*100, 'f', 0, 64)+"%"
			if v == 0 {
				ms.Class = "q0"
			}
		default:
			ms.Class, ms.Value = "q0", Number(int64(v))
			if v > 0 {
				ms.Class = "q" + strconv.Itoa(max(1, min(5, int(math.Ceil(5*math.Sqrt(v/top))))))
			}
		}
		d.Stations = append(d.Stations, ms)
	}
	slices.SortStableFunc(d.Stations, func(a, b mapStation) int {
		va, vb := value(a.StationStat), value(b.StationStat)
		switch {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return 0
	})
	for _, s := range d.Stations {
		if value(s.StationStat) > 0 || s.Posts > 0 || s.OpenUrgent > 0 {
			d.Active = append(d.Active, s)
		} else {
			d.Quiet = append(d.Quiet, s)
		}
	}
	d.Legend = legend(t, metric, top)
	d.SVG = mapSVG(t, d.Stations, paths, height, metric)
	return h.u.Render(w, r, http.StatusOK, "watch_map.html", View{Title: "watch.map.title", Data: d})
}

// legend names each colour's range: counts grow with the square root of
// the busiest station's (so a quiet station still shows), shares in
// fifths.
func legend(t translator, metric string, top float64) []legendItem {
	out := []legendItem{{"q0", t.T("watch.map.none")}}
	for c := 1; c <= 5; c++ {
		var label string
		if metric == "negative" {
			label = t.T("watch.map.range", strconv.Itoa((c-1)*20)+"%", strconv.Itoa(c*20)+"%")
		} else {
			if top == 0 {
				break
			}
			lo := int64(math.Floor(top*math.Pow(float64(c-1)/5, 2))) + 1
			hi := int64(math.Floor(top * math.Pow(float64(c)/5, 2)))
			if hi < lo {
				continue // no whole number falls in this colour
			}
			label = t.T("watch.map.range", Number(lo), Number(hi))
			if lo == hi {
				label = Number(lo)
			}
		}
		out = append(out, legendItem{"q" + strconv.Itoa(c), label})
	}
	if metric == "negative" {
		out = append(out, legendItem{"qn", t.N("watch.map.too_few_n", minPostsForShare)})
	}
	return out
}

// mapSVG draws every station with a boundary as a link to its cases in
// the inbox. Only numbers and escaped names reach the markup.
func mapSVG(t translator, stations []mapStation, paths map[int64]string, height float64, metric string) template.HTML {
	if len(paths) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="stationmap" viewBox="-2 -2 %.0f %.0f" role="group" aria-label="%s">`, outlineWidth+4, height+4,
		template.HTMLEscapeString(t.T("watch.map.svg_label")))
	for _, s := range stations {
		p, ok := paths[s.UnitID]
		if !ok {
			continue
		}
		label := template.HTMLEscapeString(s.Label + ": " + t.T("watch.map.metric."+metric) + " " + s.Value)
		fmt.Fprintf(&b, `<a href="/desk/inbox?unit=%d" aria-label="%s"><path class="%s" d="%s"><title>%s</title></path></a>`,
			s.UnitID, label, s.Class, p, label)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// translator is the catalogue in the request's language, for text built
// in Go (the map's labels).
func (u *UI) translator(r *http.Request) translator {
	l := Lang(r)
	return translator{lang: l, msgs: u.cat[l]}
}
