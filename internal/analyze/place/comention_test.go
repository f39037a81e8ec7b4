package place

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/geo"
)

// TestCoMentionSettlesSplitPlace: a locality two stations share is
// settled by a place the same post names that lies wholly in one of them,
// and its point moves into that station; alone it keeps the larger share.
func TestCoMentionSettlesSplitPlace(t *testing.T) {
	g := gaz(t)
	p, _ := geo.Default()
	for _, c := range []struct{ name, other, alone, with string }{
		{"N.R Colony", "Bull Temple", "Hanumathanagar PS", "Basavanagudi PS"},
		{"Jayanagar East", "Christ University", "Tilak Nagar PS", "Suddaguntepalya PS"},
		{"Kotthur", "KR Puram Railway Station", "K.R. Puram PS", "Ramamurthy Nagar PS"},
	} {
		ps := g.Find("Chain snatching near "+c.name+" this evening", nil, nil, "")
		if len(ps) != 1 || ps[0].Station != c.alone || len(ps[0].Stations) < 2 {
			t.Errorf("%s alone: %+v", c.name, ps)
			continue
		}
		text := "Chain snatching near " + c.name + ", opposite " + c.other + " this evening"
		found := false
		for _, pl := range g.Find(text, nil, nil, "") {
			if pl.Text != c.name {
				continue
			}
			found = true
			if pl.Station != c.with || p.Locate(pl.Lat, pl.Lon).Station != c.with {
				t.Errorf("%q: %s routed to %s at a point in %s, want %s", text, c.name, pl.Station, p.Locate(pl.Lat, pl.Lon).Station, c.with)
			}
		}
		if !found {
			t.Errorf("%q: %s not found", text, c.name)
		}
	}
	// A place in neither of the split place's stations changes nothing.
	for _, pl := range g.Find("Chain snatching near N.R Colony, and at Whitefield", nil, nil, "") {
		if pl.Text == "N.R Colony" && pl.Station != "Hanumathanagar PS" {
			t.Errorf("N.R Colony moved to %s by a place elsewhere", pl.Station)
		}
	}
}

// TestSchoolNameLocalities: a locality only a KLP school's name gives
// ("GKHPS SRIKANTAPURA") is found and routed by the school's point.
func TestSchoolNameLocalities(t *testing.T) {
	g := gaz(t)
	p, _ := geo.Default()
	without, err := NewWithout(p, SkipLayers{"landmark_school": true})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"Srikantapura": "Madhanayakanahally PS", "Jollymohalla": "Cottonpet PS", "Pillareddy Nagar": "Ramamurthy Nagar PS"} {
		text := "Accident near " + name + ", please send help"
		if ps := g.Find(text, nil, nil, ""); len(ps) != 1 || ps[0].Station != want {
			t.Errorf("%q: %+v, want %s", text, ps, want)
		}
		if ps := without.Find(text, nil, nil, ""); len(ps) != 0 {
			t.Errorf("%q without the school names: %+v (the test no longer tests them)", text, ps)
		}
	}
}

// TestGenericWordsAloneAreNotPlaces: "Palya" or "Agrahara" at the end of a
// name the gazetteer lacks is not the village of that name. The names are
// school localities, so the gazetteer is built without the school layers
// (as in the leave-one-source-out folds, where "Y G Palya" went to the
// village Palya in Bagalur PS).
func TestGenericWordsAloneAreNotPlaces(t *testing.T) {
	p, _ := geo.Default()
	g, err := NewWithout(p, SkipLayers{"landmark_area": true, "landmark_school": true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Accident near Y G Palya, please send help", "loud music near Singana Agrahara after 11pm",
		"fight outside Babasabara Palya right now", "Someone stole my phone at Jalakanteshwara Pura"} {
		if ps := g.Find(s, nil, nil, ""); len(ps) != 0 {
			t.Errorf("%q: places %+v", s, ps)
		}
	}
	// After a context word the word is the place itself.
	if ps := g.Find("fight going on near Agrahara right now", nil, nil, ""); len(ps) != 1 {
		t.Errorf("near Agrahara: %+v", ps)
	}
	// A known name before the generic word still matches ("Koramangala
	// layout" extends Koramangala).
	if ps := g.Find("pothole in Koramangala layout", nil, nil, ""); len(ps) != 1 || ps[0].Station != "Koramangala PS" {
		t.Errorf("Koramangala layout: %+v", ps)
	}
}

// TestSchoolNamesAreNotEverydayWords: read over the 76,382 posts of
// `kaval bench analyze`, the first school-name list made places of
// "satguru", "bangal", "Agra", "Saturn" and "airplane", and a lone "pura"
// (Hindi for "whole") was the village Pura; none of them is a place.
func TestSchoolNamesAreNotEverydayWords(t *testing.T) {
	g := gaz(t)
	for _, s := range []string{"Dhan dhan satguru tera hi aasra, good morning", "bangal ki file kholo", "Ranchi ya Agra",
		"Saudi Arabia mistook Saturn as the moon", "I died in a airplane crash", "Modiji ne 2014 ka vaade pura kiya",
		"poora khandan terrorist hai", "Arabian Muslims fans"} {
		if ps := g.Find(s, nil, nil, ""); len(ps) != 0 {
			t.Errorf("%q: places %+v", s, ps)
		}
	}
}
