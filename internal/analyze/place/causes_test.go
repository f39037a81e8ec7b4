package place

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/post"
)

// failure causes of a held-out landmark name (see docs/PLACES.md,
// "Session 9"): why the first place a post yields is not in the truth
// station.
const (
	causeRight      = "right"
	causeNotFound   = "not found"
	causeOtherName  = "found another or a partial name"
	causeListed     = "whole name, split: truth listed as plausible"
	causeNearBorder = "whole name, wrong, truth point within 0.5 km of its station's border"
	causeWrongPoint = "whole name, wrong, truth point deep in its station"
)

var causeOrder = []string{causeRight, causeNotFound, causeOtherName, causeListed, causeNearBorder, causeWrongPoint}

// truthMargin: the share of a 0.5 km disc around a point that lies in
// the station holding the point. Post-office points are locality-level
// (median 0.64 km off, SOURCE.txt): below 0.9, the truth itself is in doubt.
func truthMargin(p *geo.Pack, lat, lon float64, st string) float64 {
	return discShare(p, lat, lon, st, 0.5)
}

// discShare: the share of a disc of radius km around a point that lies in station st.
func discShare(p *geo.Pack, lat, lon float64, st string, km float64) float64 {
	in, n := 0, 0
	r := km / 111.0
	for dy := -4; dy <= 4; dy++ {
		for dx := -4; dx <= 4; dx++ {
			y, x := float64(dy)/4*r, float64(dx)/4*r
			if x*x+y*y > r*r {
				continue
			}
			n++
			if p.Locate(lat+y, lon+x/math.Cos(lat*math.Pi/180)).Station == st {
				in++
			}
		}
	}
	return float64(in) / float64(n)
}

type heldName struct {
	name, truth string
	lat, lon    float64
}

// heldNames: every distinct name of a layer with the station holding
// most of its points (and the first such point).
func heldNames(p *geo.Pack, layer string) []heldName {
	votes := map[string]map[string]int{}
	first := map[string]geo.PlaceName{}
	var order []string
	for _, pl := range p.Places() {
		if pl.Layer != layer {
			continue
		}
		k := strings.ToLower(pl.Name)
		if votes[k] == nil {
			votes[k] = map[string]int{}
			order = append(order, k)
			first[k] = pl
		}
		if st := p.Locate(pl.Lat, pl.Lon).Station; st != "" {
			votes[k][st]++
		}
	}
	var out []heldName
	for _, k := range order {
		truth, n := "", 0
		for st, c := range votes[k] {
			if c > n || c == n && st < truth {
				truth, n = st, c
			}
		}
		if truth == "" {
			continue
		}
		pl := first[k]
		for _, q := range p.Places() {
			if q.Layer == layer && strings.ToLower(q.Name) == k && p.Locate(q.Lat, q.Lon).Station == truth {
				pl = q
				break
			}
		}
		out = append(out, heldName{pl.Name, truth, pl.Lat, pl.Lon})
	}
	return out
}

// failureCauses routes every held-out name of layer (gazetteer built
// without skip) through the held-out templates and sorts each into a cause.
func failureCauses(t *testing.T, layer string, skip SkipLayers) map[string]int {
	p, _ := geo.Default()
	g, err := NewWithout(p, skip)
	if err != nil {
		t.Fatal(err)
	}
	templates := []string{"Accident near %s, please send help", "fight going on outside %s right now",
		"%s hatra bike kalavu aagide", "Someone stole my phone at %s this evening", "loud music near %s after 11pm"}
	r := rand.New(rand.NewSource(11))
	out := map[string]int{}
	for _, h := range heldNames(p, layer) {
		text := fmt.Sprintf(templates[r.Intn(len(templates))], h.name)
		ps := g.Find(text, nil, nil, "")
		cause := ""
		switch {
		case len(ps) == 0:
			cause = causeNotFound
		case ps[0].Station == h.truth:
			cause = causeRight
		case joinKeys(ps[0].Text) != joinKeys(h.name) && !strings.HasPrefix(joinKeys(ps[0].Text), joinKeys(h.name)):
			cause = causeOtherName
		default:
			for _, s := range ps[0].Stations {
				if s.Station == h.truth {
					cause = causeListed
				}
			}
			if cause == "" {
				if truthMargin(p, h.lat, h.lon, h.truth) < 0.9 {
					cause = causeNearBorder
				} else {
					cause = causeWrongPoint
				}
			}
		}
		out[cause]++
		m := discShare(p, h.lat, h.lon, h.truth, 0.64)
		out["margin100"] += int(m*100 + 0.5)
		if m < 0.9 {
			out["doubtful"]++
			if cause == causeRight {
				out["doubtful right"]++
			}
		}
		if testing.Verbose() && (cause != causeRight || os.Getenv("KAVAL_DIAG_ALL") != "") && diagLayer == layer {
			t.Logf("%-45s %-28s truth %-28s got %-28s %q", cause[:min(len(cause), 45)], h.name, h.truth, first(ps), text)
		}
	}
	return out
}

var diagLayer = os.Getenv("KAVAL_DIAG_LAYER")

func first(ps []post.Place) string {
	if len(ps) == 0 {
		return "-"
	}
	return ps[0].Station + " via " + ps[0].Text
}

func logCauses(t *testing.T, label string, c map[string]int) {
	total := 0
	for _, k := range causeOrder {
		total += c[k]
	}
	var b strings.Builder
	for _, k := range causeOrder {
		fmt.Fprintf(&b, "; %s %d (%.1f%%)", k, c[k], pct(c[k], total))
	}
	t.Logf("%s: %d names%s; truth point's 0.64 km disc under 90%% in its station: %d (of them right %d); mean share of that disc in the truth station %.2f",
		label, total, b.String(), c["doubtful"], c["doubtful right"], float64(c["margin100"])/100/float64(total))
	_ = sort.Strings
}

func TestLandmarkFailureCauses(t *testing.T) {
	fifth := SkipLayers{"landmark_post": true, "landmark_metro": true}
	for _, l := range []string{"landmark_post", "landmark_metro"} {
		logCauses(t, "fifth "+l, failureCauses(t, l, fifth))
	}
	for _, f := range cvFolds {
		logCauses(t, "alone "+f.layer, failureCauses(t, f.layer, f.skip))
	}
}

// cvFolds: the four sources outside the held-out fifth, each held out in
// turn (leave-one-source-out). Choices are made on the sum of their
// right stations; the fifth is scored once, at the end.
var cvFolds = []struct {
	layer string
	skip  SkipLayers
}{
	{"landmark_poi", SkipLayers{"landmark_poi": true}},
	{"landmark_road", SkipLayers{"landmark_road": true}},
	{"landmark_area", SkipLayers{"landmark_area": true, "landmark_school": true}},
	{"landmark_curated", SkipLayers{"landmark_curated": true}},
}

func cvScore(t *testing.T) (right [4]int, sum int) {
	for i, f := range cvFolds {
		c := failureCauses(t, f.layer, f.skip)
		right[i] = c[causeRight]
		sum += c[causeRight]
	}
	return
}

func TestLandmarkCV(t *testing.T) {
	r, s := cvScore(t)
	t.Logf("CV (poi, road, schools, curated held out in turn): right %v, sum %d", r, s)
}

// TestLandmarkCVGrid (KAVAL_PLACES_GRID=1, ~10 minutes): the layer
// weights of resolve.go varied one group at a time, two rounds, each
// setting scored by the leave-one-source-out sum (PLACES.md "Session 9":
// the sum moved from 719 to at most 731 of 2,672, so the round weights
// were kept).
func TestLandmarkCVGrid(t *testing.T) {
	if os.Getenv("KAVAL_PLACES_GRID") == "" {
		t.Skip("KAVAL_PLACES_GRID not set")
	}
	old := map[string]float64{}
	for k, v := range layerWeight {
		old[k] = v
	}
	defer func() {
		for k, v := range old {
			layerWeight[k] = v
		}
	}()
	_, best := cvScore(t)
	t.Logf("start: sum %d", best)
	groups := []struct {
		name   string
		layers []string
		vals   []float64
	}{
		{"station", []string{"station"}, []float64{1, 2, 3, 5}},
		{"ward", []string{"ward"}, []float64{1, 2, 3, 4}},
		{"bbmp", []string{"bbmp_wards"}, []float64{0.5, 1, 2, 3}},
		{"schools", []string{"landmark_area", "landmark_school"}, []float64{1, 2, 3, 4}},
		{"curated", []string{"landmark_curated"}, []float64{1, 2, 4}},
		{"village", []string{"admin_village"}, []float64{0.5, 1, 2}},
		{"pincode", []string{"pincode"}, []float64{0.5, 1, 2}},
		{"division", []string{"gba_division", "gba_subdivision"}, []float64{0, 0.5, 1, 2}},
		{"points", []string{"landmark_metro", "landmark_poi", "landmark_road", "landmark_post"}, []float64{0.5, 1, 2, 3}},
	}
	for round := 0; round < 2; round++ {
		for _, gr := range groups {
			keep := layerWeight[gr.layers[0]]
			for _, v := range gr.vals {
				for _, l := range gr.layers {
					layerWeight[l] = v
				}
				r, s := cvScore(t)
				t.Logf("%s=%v: %v sum %d", gr.name, v, r, s)
				if s > best {
					best, keep = s, v
				}
			}
			for _, l := range gr.layers {
				layerWeight[l] = keep
			}
			t.Logf("%s kept %v (sum %d)", gr.name, keep, best)
		}
	}
}

// coMentioned routes every held-out name of layer twice: alone, and with
// the ward that holds its point named after it ("Accident near X,
// Jayanagar"): how often the post's other place settles the landmark's
// station (coMention). Scored on the landmark's own place, not the ward's.
func coMentioned(t *testing.T, layer string, skip SkipLayers) (total, alone, with int) {
	p, _ := geo.Default()
	g, err := NewWithout(p, skip)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range heldNames(p, layer) {
		ward := p.Locate(h.lat, h.lon).Ward
		if ward == "" || joinKeys(ward) == joinKeys(h.name) {
			continue
		}
		total++
		// The best place inside the landmark's name (by confidence, as
		// Find orders them), alone and with the ward after it.
		at, end := len("Accident near "), len("Accident near ")+len(h.name)
		inName := func(ps []post.Place) string {
			for _, pl := range ps {
				if pl.Start >= at && pl.End <= end {
					return pl.Station
				}
			}
			return ""
		}
		if inName(g.Find("Accident near "+h.name+", please send help", nil, nil, "")) == h.truth {
			alone++
		}
		if inName(g.Find("Accident near "+h.name+", "+ward+", please send help", nil, nil, "")) == h.truth {
			with++
		}
	}
	return
}

func TestCoMentionedLocality(t *testing.T) {
	sumA, sumW := 0, 0
	for _, f := range cvFolds {
		n, a, w := coMentioned(t, f.layer, f.skip)
		t.Logf("%s held out: %d names with a ward; right alone %d (%.1f%%), with the ward named after it %d (%.1f%%)", f.layer, n, a, pct(a, n), w, pct(w, n))
		sumA += a
		sumW += w
	}
	if sumW <= sumA {
		t.Errorf("naming the landmark's ward does not help: %d right alone, %d with it", sumA, sumW)
	}
}

// TestHeldOutMetroAsStations: the held-out metro names written as a post
// names the station ("near Rajajinagar metro station"), not as the
// locality it is named after; truth is still the station holding the
// metro's point, and the gazetteer is built without the fifth.
func TestHeldOutMetroAsStations(t *testing.T) {
	p, _ := geo.Default()
	g, err := NewWithout(p, SkipLayers{"landmark_post": true, "landmark_metro": true})
	if err != nil {
		t.Fatal(err)
	}
	total, found, right := 0, 0, 0
	for _, h := range heldNames(p, "landmark_metro") {
		total++
		ps := g.Find("Chain snatching near "+h.name+" metro station, please send help", nil, nil, "")
		if len(ps) > 0 {
			found++
			if ps[0].Station == h.truth {
				right++
			}
		}
	}
	t.Logf("held-out metro names as \"X metro station\": %d, found %d, right %d (%.1f%%)", total, found, right, pct(right, total))
	if total < 80 || found < total*3/4 {
		t.Errorf("metro stations named as such: %d/%d found", found, total)
	}
}
