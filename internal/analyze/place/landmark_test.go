package place

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/geo"
)

// heldOutLandmarks measures routing of landmark names placed in sentences
// by a gazetteer built WITHOUT their source layer (held out by source, not
// at random): truth is the station whose polygon contains the landmark's
// own point. It returns the posts scored, those where any place was
// found, and those whose first place is in the right station.
func heldOutLandmarks(t *testing.T, layer string, skip SkipLayers) (total, found, right int) {
	p, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewWithout(p, skip)
	if err != nil {
		t.Fatal(err)
	}
	templates := []string{"Accident near %s, please send help", "fight going on outside %s right now",
		"%s hatra bike kalavu aagide", "Someone stole my phone at %s this evening", "loud music near %s after 11pm"}
	r := rand.New(rand.NewSource(11))
	seen := map[string]bool{}
	for _, pl := range p.Places() {
		if pl.Layer != layer || seen[strings.ToLower(pl.Name)] {
			continue
		}
		seen[strings.ToLower(pl.Name)] = true
		truth := p.Locate(pl.Lat, pl.Lon).Station
		if truth == "" {
			continue
		}
		total++
		ps := g.Find(fmt.Sprintf(templates[r.Intn(len(templates))], pl.Name), nil, nil, "")
		if len(ps) == 0 {
			continue
		}
		found++
		if ps[0].Station == truth {
			right++
		}
	}
	return total, found, right
}

// TestHeldOutLandmarks: each landmark source held out in turn (the 2015
// OpenStreetMap points of interest, the largest: malls, attractions,
// sports centres, restaurants, bars; then metro stations, post offices
// and circles) and scored by a gazetteer built without it. Most of their
// names (restaurants) name no locality at all, so "found" is the share the
// rest of the gazetteer can still place (a locality word in the name:
// "Koramangala Club"); the same names with their own layer in the
// gazetteer are the upper line. Figures in docs/MODELS.md.
func TestHeldOutLandmarks(t *testing.T) {
	total, found, right := heldOutLandmarks(t, "landmark_poi", SkipLayers{"landmark_poi": true})
	t.Logf("held-out POI names: %d posts, place found in %d (%.1f%%), right station %d (%.1f%% of all, %.1f%% of found)",
		total, found, pct(found, total), right, pct(right, total), pct(right, found))
	if total < 300 || pct(right, found) < 35 {
		t.Errorf("held-out landmark routing too weak: %d/%d found, %d right", found, total, right)
	}
	total, found, right = heldOutLandmarks(t, "landmark_poi", nil)
	t.Logf("the same names, in the gazetteer: %d posts, found %d (%.1f%%), right station %d (%.1f%% of all, %.1f%% of found)",
		total, found, pct(found, total), right, pct(right, total), pct(right, found))
	if pct(right, total) < 80 {
		t.Errorf("landmarks in the gazetteer route badly: %d/%d right", right, total)
	}
	for _, layer := range []string{"landmark_metro", "landmark_post", "landmark_road"} {
		total, found, right = heldOutLandmarks(t, layer, SkipLayers{layer: true})
		t.Logf("held-out %s: %d posts, found %d (%.1f%%), right station %d (%.1f%% of all, %.1f%% of found)",
			layer, total, found, pct(found, total), right, pct(right, total), pct(right, found))
	}
}

// TestHandlesAndOrganisationsAreNotPlaces: "@BBMP" was read as a place in
// Indiranagar and outranked the place the post named.
func TestHandlesAndOrganisationsAreNotPlaces(t *testing.T) {
	g := gaz(t)
	ps := g.Find("@BBMP please fix the pothole near Koramangala 5th block", nil, nil, "")
	if len(ps) != 1 || ps[0].Station != "Koramangala PS" {
		t.Errorf("places = %+v", ps)
	}
	for _, s := range []string{"@BBMP garbage not cleared", "BBMP garbage not cleared for a week", "@BWSSB no water since morning"} {
		if ps := g.Find(s, nil, nil, ""); len(ps) != 0 {
			t.Errorf("%q: places %+v", s, ps)
		}
	}
	if ps := g.Find("#Koramangala traffic is bad today", nil, nil, ""); len(ps) == 0 || ps[0].Station != "Koramangala PS" {
		t.Errorf("a hashtag naming a place: %+v", ps)
	}
}

// TestLandmarksRouteByTheirPoint: a landmark is routed by the station
// polygon that holds its own point.
func TestLandmarksRouteByTheirPoint(t *testing.T) {
	g := gaz(t)
	p, _ := geo.Default()
	for _, name := range []string{"Trinity Circle", "Mantri Square", "Jayadeva Hospital"} {
		ps := g.Find("Accident near "+name+", please send help", nil, nil, "")
		if len(ps) == 0 {
			t.Errorf("%s: no place", name)
			continue
		}
		if want := p.Locate(ps[0].Lat, ps[0].Lon).Station; ps[0].Station != want || want == "" {
			t.Errorf("%s: station %q, its point is in %q", name, ps[0].Station, want)
		}
	}
}
