package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/kaval-desk/kaval/internal/geo"
)

// Landmark layers of the pack, one per source of ../shared/data/bengaluru-places
// (the matcher ranks them and an evaluation can leave one out):
//
//	landmark_metro   Namma Metro stations (CC0)
//	landmark_poi     OpenStreetMap 2015 points of interest: malls, attractions,
//	                 sports centres, parks, monuments, and restaurants and bars
//	                 whose name is not shared by another outlet (ODbL)
//	landmark_road    OpenStreetMap 2022 circles, squares and junctions, and
//	                 named roads and flyovers, one point per segment (ODbL):
//	                 a road crosses stations, and its segments say which
//	landmark_post    post offices, named after their locality (GODL-India)
//	landmark_area    localities, layouts, colonies and circles named as the
//	                 area of a school or anganwadi of the KLP list (ODbL):
//	                 one row per school, so a locality with six schools has
//	                 six points and the matcher routes it by where most of
//	                 them lie
//	landmark_school  the place each school of that list is named after,
//	                 its type abbreviation dropped ("GKHPS ALAHALLI" ->
//	                 Alahalli): another spelling of the area, or the only
//	                 locality of a row without one (same source as
//	                 landmark_area: an evaluation holds both out together)
var landmarkFiles = []struct{ layer, path string }{
	{"landmark_metro", "vinayak_metro_stations/metro_stations.csv"},
	{"landmark_poi", "ruthmaben_osm2015_poi/poi.csv"},
	{"landmark_road", "vonter_osm2022_roads/roads.csv"},
	{"landmark_post", "indiapost_pincode_directory/post_offices.csv"},
	{"landmark_area", "openbangalore_klp_schools/schools.csv"},
}

var (
	metroSuffix  = regexp.MustCompile(`(?i)\s+metro station$`)
	postSuffix   = regexp.MustCompile(`\s+[BSH]\.O$`)
	stationCode  = regexp.MustCompile(`^[A-Z]{3,5}$`)
	roadLandmark = regexp.MustCompile(`(?i)\b(circle|junction|square)\b`)
)

func (b *builder) landmarks() error {
	for _, lf := range landmarkFiles {
		f, err := os.Open(filepath.Join(b.placesDir, lf.path))
		if err != nil {
			return err
		}
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", lf.path, err)
		}
		// name -> how many rows carry it, for chains (several outlets);
		// point -> how many rows sit on it.
		count, at := map[string]int{}, map[string]int{}
		for _, rec := range recs[1:] {
			count[strings.ToLower(rec[0])]++
			if len(rec) >= 5 {
				at[rec[3]+","+rec[4]]++
			}
		}
		for _, rec := range recs[1:] {
			if len(rec) < 5 {
				continue
			}
			name, kind := strings.TrimSpace(rec[0]), rec[2]
			lat, err1 := strconv.ParseFloat(rec[3], 64)
			lon, err2 := strconv.ParseFloat(rec[4], 64)
			if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lon) {
				continue
			}
			if lf.layer == "landmark_area" {
				area := schoolArea(rec[1])
				if area != "" {
					b.places = append(b.places, geo.PlaceName{Layer: lf.layer, Name: area, Lat: round5(lat), Lon: round5(lon)})
				}
				// The school's own name is its village or locality after
				// the type ("GKHPS ALAHALLI", "KOODLU"): another spelling
				// of the area, or the only locality of a row without one.
				if loc := schoolLocality(name); loc != "" && !sameSpelling(loc, area) {
					b.places = append(b.places, geo.PlaceName{Layer: "landmark_school", Name: loc, Lat: round5(lat), Lon: round5(lon)})
				}
				continue
			}
			var latin, kn []string
			for _, a := range strings.Split(rec[1], "|") {
				a = strings.TrimSpace(a)
				switch {
				case a == "" || strings.Contains(a, ":") || stationCode.MatchString(a):
				case hasKannada(a):
					kn = append(kn, a)
				default:
					latin = append(latin, a)
				}
			}
			switch lf.layer {
			case "landmark_metro":
				name = metroSuffix.ReplaceAllString(name, "")
			case "landmark_poi":
				if (kind == "restaurant" || kind == "bar/pub") && (count[strings.ToLower(name)] > 1 || len(strings.Fields(name)) < 2) {
					continue // a chain or a one-word name ("Masala", "Empire"): no one place
				}
			case "landmark_road":
				// Every named road segment is a point on its road: a
				// road's segments together say which stations it runs
				// through (the matcher weighs them). Numbered cross and
				// main roads ("8th Main Road") name a street of some
				// unnamed layout, not one place; paths and the metro
				// reach are not roads a post names.
				if kind != "square/circle" && !roadLandmark.MatchString(name) && !namedRoad(name) {
					continue
				}
			case "landmark_post":
				if at[rec[3]+","+rec[4]] >= 3 {
					// Three or more offices of different localities on
					// one point (Indiranagar, Vimanapura, Bagalur and
					// three more at 12.944722,77.574028, in Basavanagudi):
					// a fallback geocode, not where any of them is.
					continue
				}
				name = postSuffix.ReplaceAllString(name, "")
				latin = nil // the alternative is the same locality name
			}
			if name == "" {
				continue
			}
			first := ""
			if len(kn) > 0 {
				first = kn[0]
			}
			p := geo.PlaceName{Layer: lf.layer, Name: name, NameKn: first, Lat: round5(lat), Lon: round5(lon)}
			b.places = append(b.places, p)
			for _, a := range latin {
				if !strings.EqualFold(a, name) {
					p.Name, p.NameKn = a, ""
					b.places = append(b.places, p)
				}
			}
		}
	}
	return nil
}

func hasKannada(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Kannada) {
			return true
		}
	}
	return false
}

var (
	parenthetical = regexp.MustCompile(`\s*\(.*?\)\s*`)
	letters       = regexp.MustCompile(`[A-Za-z]{3}`)
)

// schoolArea returns the locality of a KLP school row ("area:Kaveri
// Nagar|pin:560079" -> "Kaveri Nagar"), cased as a name, or "".
func schoolArea(alt string) string {
	for _, a := range strings.Split(alt, "|") {
		area, ok := strings.CutPrefix(a, "area:")
		if !ok {
			continue
		}
		area = parenthetical.ReplaceAllString(area, " ")
		area = strings.Join(strings.Fields(area), " ")
		if len(area) < 4 || !letters.MatchString(area) {
			return ""
		}
		if area == strings.ToLower(area) || area == strings.ToUpper(area) {
			area = titleCase(strings.ToLower(area))
		}
		return area
	}
	return ""
}

var (
	// schoolType: the KLP type prefix (Government Kannada/Urdu/Tamil
	// Higher/Lower/Model Primary School) and words that say what kind of
	// school it is, not where.
	schoolType   = regexp.MustCompile(`^(G[A-Z]{0,3}[HLM]P[BG]?S|GHS|KGBV)$`)
	schoolWord   = regexp.MustCompile(`^(KANNADA|URDU|TAMIL|TELUGU|MARATHI|ENGLISH|GIRLS|BOYS|SCHOOL|ANGANWADI|AWC|BALWADI|KENDRA|GOVT|GOVERNMENT|PRIMARY|HIGHER|LOWER|MODEL|NO|NO\.|CENTRE|CENTER)$`)
	schoolSuffix = regexp.MustCompile(`^('?[A-Z]'?|\d+|[IVX]+|V/N|[A-Z]/[A-Z])$`)
	notLetters   = regexp.MustCompile(`[^A-Za-z. '-]`)
)

// schoolLocality returns the place a KLP school or anganwadi is named
// after ("GKLPS AVALAHALLI (HUSKUR)" -> "Avalahalli", "HEBBAGODI  C" ->
// "Hebbagodi"), or "" when the name is no place name.
func schoolLocality(name string) string {
	name = parenthetical.ReplaceAllString(strings.ToUpper(name), " ")
	var words []string
	for i, w := range strings.Fields(name) {
		if i == 0 && schoolType.MatchString(w) || schoolWord.MatchString(w) {
			continue
		}
		words = append(words, w)
	}
	for len(words) > 0 && schoolSuffix.MatchString(words[len(words)-1]) {
		words = words[:len(words)-1]
	}
	loc := strings.Join(words, " ")
	if len(loc) < 4 || !letters.MatchString(loc) || notLetters.MatchString(loc) || !localityEnd.MatchString(loc) {
		return ""
	}
	return titleCase(strings.ToLower(loc))
}

// localityEnd: a school name is taken as a place only when it ends as
// Bengaluru's place names do (-halli, -pura, -palya, -nagar, layout,
// colony…). Without it, the name is as often a person, a deity or an
// institution ("Sathguru", "Govardhan", "Rehmania"), and as a one-word
// place it met Hindi and Urdu words in posts ("satguru", "bangal").
var localityEnd = regexp.MustCompile(`(?i)(halli|hally|hali|pura|puram|palya|palaya|playa|paliya|nagar|nagara|layout|colony|pet|pete|peth|sandra|kere|gere|gudi|garden|town|guppe|doddi|kunte|agrahara|hatti|mangala|ghatta|wadi|kallu|mohalla|block|extension|badavane|gutte|gudda|thanda|thandya|camp|lane|godi)$`)

// sameSpelling: two names that differ only in case, spaces and dots.
func sameSpelling(a, b string) bool {
	f := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '.' || r == '-' || r == '\'' {
				return -1
			}
			return unicode.ToLower(r)
		}, s)
	}
	return f(a) == f(b)
}

var (
	numberedRoad = regexp.MustCompile(`^\d`)
	notARoad     = regexp.MustCompile(`(?i)\b(cycle path|bicycle path|metro - reach)\b`)
)

// namedRoad: a road with a name of its own ("Cunningham Road", "Hosur
// Road"), not a numbered cross or main road of a layout.
func namedRoad(name string) bool {
	return !numberedRoad.MatchString(name) && !notARoad.MatchString(name) && len(strings.Fields(name)) >= 2
}
