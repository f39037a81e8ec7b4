package public

import (
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/place"
	"github.com/kaval-desk/kaval/internal/geo"
)

func finder(t *testing.T) *Finder {
	t.Helper()
	pack, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	gaz, err := place.Default()
	if err != nil {
		t.Fatal(err)
	}
	return NewFinder(pack, gaz)
}

func TestFindStation(t *testing.T) {
	f := finder(t)
	for _, q := range []string{"Jayanagar", "  jayanagar ", "Adugodi", "Koramangala", "Lalbagh", "near MG Road metro"} {
		r := f.Find(q)
		t.Logf("%q → place %q stations %d %v", q, r.Place, len(r.Stations), r.Suggestions)
		if len(r.Stations) == 0 {
			t.Errorf("%q: no station", q)
			continue
		}
		if r.Stations[0].Name == "" || r.Stations[0].Slug == "" || len(r.Stations[0].Geometry) == 0 {
			t.Errorf("%q: station %+v incomplete", q, r.Stations[0])
		}
	}
	if r := f.Find("Adugodi"); r.Stations[0].Name != "Adugodi PS" || len(r.Stations[0].Phones) < 1 || strings.Contains(r.Stations[0].Phones[0], ",") {
		t.Errorf("Adugodi: %+v", r.Stations[0])
	}
	if r := f.Find("ಆಡುಗೋಡಿ"); len(r.Stations) == 0 {
		t.Errorf("Kannada name not found: %+v", r)
	}
	if r := f.Find("zzqqxx"); len(r.Stations) != 0 {
		t.Errorf("nonsense found %+v", r.Stations)
	}
	if r := f.Find("nagar"); len(r.Suggestions) == 0 && len(r.Stations) == 0 {
		t.Errorf("no suggestions for a part of names")
	}
	if s, ok := f.Station("adugodi"); !ok || s.Name != "Adugodi PS" {
		t.Errorf("Station(adugodi) = %+v %v", s, ok)
	}
}

func FuzzFind(f *testing.F) {
	fi := finder(&testing.T{})
	f.Add("Jayanagar")
	f.Add("ಆಡುಗೋಡಿ\x00")
	f.Fuzz(func(t *testing.T, q string) {
		r := fi.Find(q)
		if len([]rune(r.Query)) > MaxQuery {
			t.Fatalf("query not bounded: %d", len(r.Query))
		}
	})
}

func TestFindAt(t *testing.T) {
	f := finder(t)
	u, _ := f.Station("adugodi")
	pack, _ := geo.Default()
	pu, _ := pack.Unit("blr/ps/adugodi")
	if r := f.At(pu.Lat, pu.Lon); len(r.Stations) != 1 || r.Stations[0].Name != u.Name {
		t.Errorf("At(adugodi office) = %+v", r.Stations)
	}
	if r := f.At(0, 0); len(r.Stations) != 0 {
		t.Errorf("At(0,0) = %+v", r.Stations)
	}
	if r := f.At(1000, 5); len(r.Stations) != 0 {
		t.Errorf("bad point found %+v", r.Stations)
	}
}

// Kannada place names: a station's Kannada place name finds that station
// (not a ward of the same name shared by several), spellings that differ
// by spaces or joiners match, the place is given in Kannada where the
// pack knows it, and suggestions carry their Kannada names.
func TestFindKannada(t *testing.T) {
	f := finder(t)
	for q, want := range map[string]string{
		"ಜಯನಗರ": "Jayanagar PS", "ಕೋರಮಂಗಲ": "Koramangala PS", "ಬಸವನಗುಡಿ": "Basavanagudi PS", "ಯಲಹಂಕ": "Yelahanka PS",
		"ಜಯನಗರ ಪೊಲೀಸ್ ಠಾಣೆ": "Jayanagar PS", "ಲಾಲ್ ಬಾಗ್": "Siddapura PS", "ಲಾಲ್\u200cಬಾಗ್": "Siddapura PS", "K R Puram": "K.R. Puram PS",
	} {
		r := f.Find(q)
		if len(r.Stations) == 0 || r.Stations[0].Name != want {
			t.Errorf("%q: %+v, want %s", q, r.Stations, want)
			continue
		}
		if r.PlaceKn == "" || strings.Contains(r.PlaceKn, "ಠಾಣೆ") {
			t.Errorf("%q: place in Kannada %q", q, r.PlaceKn)
		}
	}
	if r := f.Find("Malleshwaram"); r.PlaceKn != "ಮಲ್ಲೇಶ್ವರಂ" {
		t.Errorf("English query, Kannada place %q", r.PlaceKn)
	}
	if r := f.Find("ಜಯನಗರ 4ನೇ ಬ್ಲಾಕ್"); len(r.Stations) == 0 || r.PlaceKn == "" {
		t.Errorf("Kannada free text: %+v", r)
	}
	r := f.Find("ಮಲ್ಲೇಶ್ವರ")
	if len(r.Suggestions) == 0 || len(r.SuggestionsKn) != len(r.Suggestions) {
		t.Fatalf("suggestions %v / %v", r.Suggestions, r.SuggestionsKn)
	}
	kn := 0
	for _, s := range r.SuggestionsKn {
		if s != "" {
			kn++
		}
	}
	if kn == 0 {
		t.Errorf("no Kannada suggestion: %v", r.SuggestionsKn)
	}
}
