// Package public is what the force's public site knows beyond the desk:
// which station serves a place. It reads only the jurisdiction pack,
// which is public (names, boundaries, the stations' published phone
// numbers): nothing here can reach a citizen's data.
package public

import (
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/kaval-desk/kaval/internal/analyze/place"
	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// MaxQuery bounds what a visitor may type: a locality or landmark is a
// few words.
const MaxQuery = 120

// Station is a law-and-order station as the public sees it.
type Station struct {
	Slug   string   `json:"slug"` // last part of the code: its feed is /feeds/stations/{slug}.atom
	Name   string   `json:"name"`
	NameKn string   `json:"name_kn,omitempty"`
	Phones []string `json:"phones,omitempty"` // the pack lists several, comma-separated

	Email    string          `json:"email,omitempty"`
	Share    float64         `json:"share,omitempty"` // part of the place it holds, when several share it
	Geometry json.RawMessage `json:"-"`
}

// Result is the answer to one search.
type Result struct {
	Query    string    `json:"query"`
	Place    string    `json:"place,omitempty"` // the place understood
	PlaceKn  string    `json:"place_kn,omitempty"`
	Stations []Station `json:"stations"`
	// Suggestions: names containing what was typed, when nothing matched
	// exactly (a visitor picks one); SuggestionsKn the same places'
	// Kannada names where the pack has them ("" where not), index by
	// index.
	Suggestions   []string `json:"suggestions,omitempty"`
	SuggestionsKn []string `json:"suggestions_kn,omitempty"`
}

// Finder answers "which station serves this place?".
type Finder struct {
	pack   *geo.Pack
	gaz    *place.Gazetteer
	byName map[string]int // station name → index into units
	names  []nameRef      // every searchable name, folded
}

type nameRef struct {
	folded, name, kn string
	compact          string // folded without spaces, joiners or dots (compact)
	lat, lon         float64
	shares           []geo.Share
	station          int // index of the station itself, or -1
}

// NewFinder indexes the pack's stations, wards and gazetteer places.
func NewFinder(pack *geo.Pack, gaz *place.Gazetteer) *Finder {
	f := &Finder{pack: pack, gaz: gaz, byName: map[string]int{}}
	for i, u := range pack.Units() {
		if u.Kind != "station" {
			continue
		}
		f.byName[u.Name] = i
		// A station is looked for by its place: "Jayanagar", "ಜಯನಗರ"
		// rather than "Jayanagar PS", "ಜಯನಗರ ಪೊಲೀಸ್ ಠಾಣೆ".
		short, shortKn := strings.TrimSuffix(u.Name, " PS"), strings.TrimSuffix(u.NameKn, knStationSuffix)
		for _, n := range []string{short, shortKn, u.NameKn} {
			if n != "" {
				f.names = append(f.names, ref(nameRef{folded: textnorm.Fold(n), name: short, kn: shortKn, lat: u.Lat, lon: u.Lon, station: i}))
			}
		}
	}
	add := func(n, kn string, lat, lon float64, sh []geo.Share) {
		f.names = append(f.names, ref(nameRef{folded: textnorm.Fold(n), name: n, kn: kn, lat: lat, lon: lon, shares: sh, station: -1}))
		if kn != "" {
			f.names = append(f.names, ref(nameRef{folded: textnorm.Fold(kn), name: n, kn: kn, lat: lat, lon: lon, shares: sh, station: -1}))
		}
	}
	for _, a := range pack.Areas() {
		add(a.Name, a.NameKn, a.Lat, a.Lon, a.Stations)
	}
	for _, p := range pack.Places() {
		add(p.Name, p.NameKn, p.Lat, p.Lon, p.Stations)
	}
	return f
}

// knStationSuffix ends the pack's Kannada station names ("police station").
const knStationSuffix = " ಪೊಲೀಸ್ ಠಾಣೆ"

func ref(n nameRef) nameRef { n.compact = compact(n.folded); return n }

// compact drops what two spellings of one place differ by most: spaces,
// zero-width (non-)joiners, dots, hyphens and apostrophes ("ಲಾಲ್ ಬಾಗ್"
// and "ಲಾಲ್\u200cಬಾಗ್", "K.R. Puram" and "KR Puram").
func compact(folded string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u200c', '\u200d', '.', '-', '\'', '\u2019':
			return -1
		}
		return r
	}, folded)
}

// Station returns the station whose code ends in slug.
func (f *Finder) Station(slug string) (Station, bool) {
	for _, u := range f.pack.Units() {
		if u.Kind == "station" && slugOf(u.Code) == slug {
			return stationOf(u), true
		}
	}
	return Station{}, false
}

func slugOf(code string) string { return code[strings.LastIndexByte(code, '/')+1:] }

func stationOf(u geo.Unit) Station {
	s := Station{Slug: slugOf(u.Code), Name: u.Name, NameKn: u.NameKn, Email: u.Email, Geometry: u.Geometry}
	for _, ph := range strings.FieldsFunc(u.Phone, func(r rune) bool { return r == ',' || r == ';' || r == '/' }) {
		if ph = strings.TrimSpace(ph); ph != "" {
			s.Phones = append(s.Phones, ph)
		}
	}
	return s
}

// Find looks q up: an exact name (English or Kannada, any case or
// spelling textnorm folds together) first, then the gazetteer's reading
// of it as free text, then names containing it as suggestions.
func (f *Finder) Find(q string) Result {
	q = strings.TrimSpace(textnorm.Clean(q))
	if len([]rune(q)) > MaxQuery {
		q = string([]rune(q)[:MaxQuery])
	}
	res := Result{Query: q, Stations: []Station{}}
	want := textnorm.Fold(q)
	if want == "" {
		return res
	}
	// An exact name first, then the same name spelt with or without
	// spaces and joiners.
	cw := compact(want)
	for _, same := range []func(nameRef) bool{
		func(n nameRef) bool { return n.folded == want },
		func(n nameRef) bool { return n.compact != "" && n.compact == cw },
	} {
		for _, n := range f.names {
			if same(n) {
				res.Place, res.PlaceKn = n.name, n.kn
				res.Stations = f.stationsAt(n)
				if len(res.Stations) > 0 {
					return res
				}
			}
		}
	}
	if f.gaz != nil {
		for _, p := range f.gaz.Find(q, nil, nil, "") {
			st := f.sharesToStations(p.Station, p.Stations)
			if len(st) > 0 {
				res.Place, res.PlaceKn = f.spell(p.Text)
				res.Stations = st
				return res
			}
		}
	}
	type sugg struct{ name, kn string }
	var found []sugg
	seen := map[string]bool{}
	for _, n := range f.names {
		if len(found) >= 10 {
			break
		}
		if strings.Contains(n.folded, want) && !seen[n.name] {
			seen[n.name] = true
			found = append(found, sugg{n.name, n.kn})
		}
	}
	slices.SortFunc(found, func(a, b sugg) int { return strings.Compare(a.name, b.name) })
	for _, s := range found {
		res.Suggestions = append(res.Suggestions, s.name)
		res.SuggestionsKn = append(res.SuggestionsKn, s.kn)
	}
	return res
}

// spell gives a place the gazetteer read in free text in English and in
// Kannada where the pack knows it under either spelling; text in Kannada
// script is its own Kannada spelling.
func (f *Finder) spell(text string) (en, kn string) {
	k := compact(textnorm.Fold(text))
	for _, n := range f.names {
		if n.compact == k {
			return n.name, n.kn
		}
	}
	for _, r := range text {
		if r >= 0x0C80 && r <= 0x0CFF {
			return text, text
		}
	}
	return text, ""
}

func (f *Finder) stationsAt(n nameRef) []Station {
	if n.station >= 0 {
		return []Station{stationOf(f.pack.Units()[n.station])}
	}
	if len(n.shares) > 0 {
		return f.sharesToStations("", postShares(n.shares))
	}
	if n.lat == 0 && n.lon == 0 {
		return nil
	}
	return f.sharesToStations(f.pack.Locate(n.lat, n.lon).Station, nil)
}

func postShares(sh []geo.Share) []post.StationShare {
	out := make([]post.StationShare, len(sh))
	for i, s := range sh {
		out[i] = post.StationShare{Station: s.Station, Share: s.Part}
	}
	return out
}

// sharesToStations resolves station names (one, or several with their
// parts of an area) to the pack's stations, best first.
func (f *Finder) sharesToStations(one string, shares []post.StationShare) []Station {
	var out []Station
	units := f.pack.Units()
	for _, s := range shares {
		if i, ok := f.byName[s.Station]; ok {
			st := stationOf(units[i])
			st.Share = s.Share
			out = append(out, st)
		}
	}
	if len(out) == 0 && one != "" {
		if i, ok := f.byName[one]; ok {
			out = append(out, stationOf(units[i]))
		}
	}
	return out
}

// At answers for a point (a visitor's shared location): the station whose
// boundary holds it; none outside the force's area or for a bad point.
func (f *Finder) At(lat, lon float64) Result {
	res := Result{Stations: []Station{}}
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return res
	}
	res.Stations = f.sharesToStations(f.pack.Locate(lat, lon).Station, nil)
	return res
}
