// Command gen compiles the Bengaluru jurisdiction pack from
// ../shared/data/bengaluru (see its SOURCE.txt) into
// internal/geo/pack/bengaluru.json.gz:
//
//	go run ./internal/geo/gen -data ../shared/data/bengaluru -out internal/geo/pack/bengaluru.json.gz
//	go generate ./internal/geo
//
// Inputs: blr_city_officials/geojson (police_city, police_traffic[_acp|_dcp],
// gba_ward, villages, pincodes, bbmp_wards, gba_division/subdivision,
// election_ac), officials.json (phones, e-mails, office coordinates),
// gazetteer_flat.csv (Kannada names) and openbangalore's 2012 station list
// (the only source of the law-and-order division/sub-division hierarchy).
//
// Deliberately NOT used, so they can serve as a held-out test of place
// resolution: bbmp_wards_old (2010 wards) and datameet's ward files.
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/geo/shape"
)

// tol is the Douglas–Peucker tolerance: 0.00004° ≈ 4.5 m, far below the
// accuracy of the source boundaries themselves.
const tol = 0.00004

func main() {
	data := flag.String("data", "../shared/data/bengaluru", "directory of the Bengaluru data set")
	places := flag.String("places", "", "directory of the Bengaluru places set (default: bengaluru-places beside -data)")
	out := flag.String("out", "internal/geo/pack/bengaluru.json.gz", "pack file to write")
	flag.Parse()
	if *places == "" {
		*places = filepath.Join(filepath.Dir(filepath.Clean(*data)), "bengaluru-places")
	}
	b := &builder{dir: *data, placesDir: *places, kn: map[string]string{}}
	if err := b.run(); err != nil {
		log.Fatalf("gen: %v", err)
	}
	var buf bytes.Buffer
	if err := geo.Encode(&buf, "Bengaluru: blr-city-officials (GPL-3.0), datameet (CC BY-SA 2.5 IN), openbangalore (ODbL), OpenStreetMap contributors (ODbL), Namma Metro stations (CC0), India Post (GODL-India); see NOTICE", b.units, b.areas, b.places); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("gen: wrote %s: %d bytes, %d units, %d wards, %d places", *out, buf.Len(), len(b.units), len(b.areas), len(b.places))
}

type feature struct {
	Name  string
	Shape *shape.Shape
}

type official struct {
	Department, Area, AreaRegional, Phone, Email, OfficeName string
	OfficeLat, OfficeLng                                     float64
}

type builder struct {
	dir       string
	placesDir string            // ../shared/data/bengaluru-places (landmarks.go)
	kn        map[string]string // layer+"\x00"+name_en -> name_kn
	offs      []official
	units     []Unit
	areas     []geo.Area
	places    []geo.PlaceName
	ov        *overlap // stations' parts of an area (overlap.go)
}

type Unit = geo.Unit

func (b *builder) path(p ...string) string { return filepath.Join(append([]string{b.dir}, p...)...) }

func (b *builder) run() error {
	if err := b.readKannada(); err != nil {
		return err
	}
	raw, err := os.ReadFile(b.path("blr_city_officials", "officials.json"))
	if err != nil {
		return err
	}
	var rows []struct {
		Department, Area, AreaRegional, Phone, OfficeName string
		Email                                             string  `json:"E-Mail"`
		OfficeLat                                         float64 `json:"OfficeLat"`
		OfficeLng                                         float64 `json:"OfficeLng"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return fmt.Errorf("officials.json: %w", err)
	}
	for _, r := range rows {
		b.offs = append(b.offs, official{r.Department, r.Area, r.AreaRegional, r.Phone, r.Email, r.OfficeName, r.OfficeLat, r.OfficeLng})
	}
	b.units = append(b.units, Unit{Code: "blr", Kind: geo.KindForce, Name: "Bengaluru City Police", NameKn: "ಬೆಂಗಳೂರು ನಗರ ಪೊಲೀಸ್",
		Phone: "112", Lat: 12.97657, Lon: 77.595675})
	if err := b.lawAndOrder(); err != nil {
		return err
	}
	if err := b.trafficUnits(); err != nil {
		return err
	}
	ov, err := b.overlapper()
	if err != nil {
		return err
	}
	b.ov = ov
	if err := b.wards(); err != nil {
		return err
	}
	if err := b.landmarks(); err != nil {
		return err
	}
	if err := b.curated(); err != nil {
		return err
	}
	return b.gazetteer()
}

func (b *builder) readKannada() error {
	f, err := os.Open(b.path("gazetteer_flat.csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return fmt.Errorf("gazetteer_flat.csv: %w", err)
	}
	for _, r := range recs[1:] {
		b.kn[r[0]+"\x00"+r[1]] = r[2]
	}
	return nil
}

func (b *builder) layer(name string) ([]feature, error) {
	raw, err := os.ReadFile(b.path("blr_city_officials", "geojson", "boundaries_"+name+".geojson"))
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Namecol string `json:"namecol"`
			} `json:"properties"`
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []feature
	for _, f := range fc.Features {
		s, err := shape.Parse(f.Geometry)
		if err != nil {
			log.Printf("gen: %s %q skipped: %v", name, f.Properties.Namecol, err)
			continue
		}
		out = append(out, feature{strings.TrimSpace(f.Properties.Namecol), s.Simplify(tol)})
	}
	return out, nil
}

var spaces = regexp.MustCompile(`\s+`)

// typos in the station layer, fixed so the reported name reads right.
var stationNameFix = map[string]string{
	"Malleshwarm":                      "Malleshwaram",
	"parappana Agrahara":               "Parappana Agrahara",
	"Mico layout Bangalore":            "Mico Layout",
	"kempegowda international Airport": "Kempegowda International Airport",
	"Vidhyaranyapura":                  "Vidhyaranyapura",
}

// baseName turns "J.C. NagarPS", "Ashokanagara  PS", "parappana Agrahara"
// into "J.C. Nagar", "Ashokanagara", "Parappana Agrahara".
func baseName(s string) string {
	s = spaces.ReplaceAllString(strings.TrimSpace(s), " ")
	s = strings.TrimSuffix(s, "PS")
	s = strings.TrimSpace(s)
	if f, ok := stationNameFix[s]; ok {
		s = f
	}
	return s
}

func stripPS(kn string) string {
	kn = strings.TrimSpace(kn)
	for _, suf := range []string{"ಪಿಎಸ್", "ಪಿ.ಎಸ್", "ಪಿ.ಎಸ್."} {
		kn = strings.TrimSpace(strings.TrimSuffix(kn, suf))
	}
	return kn
}

func slug(s string) string { return geo.Slug(s) }

// compact is lower-case letters only: the key for matching names across
// sources that disagree on spaces and dots.
func compact(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (b *builder) official(dept, area string) (official, bool) {
	want := compact(baseName(area))
	for _, o := range b.offs {
		if o.Department == dept && compact(baseName(o.Area)) == want {
			return o, true
		}
	}
	return official{}, false
}

// renames2012 maps the start of a 2012 station entry (compacted) to the
// current station's compacted name where the two lists spell it apart.
var renames2012 = map[string]string{
	"ulsoorgate": "halasurgate", "ulsoor": "halasur", "audugodi": "adugodi", "madivala": "madiwala",
	"jeevanabimanagar": "jeevanbheemanagar", "kempegowdanagar": "kgnagar", "banasawadi": "banaswadi",
	"market": "citymarket", "kalasipalyam": "kalasipalya", "thilaknagar": "tilaknagar",
	"djhalli": "devarajeevanahalli", "srnagar": "sampangiramanagar", "gangammanagudi": "gangammagudi",
	"rajagopalanagar": "rajgopalnagar", "rmcyard": "yeshwanthpurarmcyard", "sanjaynagar": "sanjaynagara",
	"ashoknagar": "ashokanagara", "jpnagar": "jayaprakashnagar", "vidyaranyapura": "vidhyaranyapura",
	"yeshwanthpura": "yeshwanthapura", "hanumanthanagar": "hanumathanagar", "highgrounds": "highgrounds",
	"nelamangalaph": "nelamangalatown", "vidhanasoudha": "vidhanasoudha", "hal": "hal",
	"jjnagar": "jagajeevanramnagar", "thyagarajanagar": "thyagarajanagar", "hebbal": "hebbal",
	"shankarapuram": "shankarapuram", "channarayapatna": "channarayapatna",
}

// renameKeys: renames2012's keys, longest first ("ulsoorgate" before
// "ulsoor"), so the rewrite is deterministic.
var renameKeys = func() []string {
	var ks []string
	for k := range renames2012 {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return len(ks[i]) > len(ks[j]) || len(ks[i]) == len(ks[j]) && ks[i] < ks[j] })
	return ks
}()

type station2012 struct{ division, subdivision string }

// hierarchy2012 reads openbangalore's 2012 station list and returns, per
// current station (compacted name), its division and sub-division names.
func (b *builder) hierarchy2012(current []string) (map[string]station2012, error) {
	f, err := os.Open(b.path("openbangalore", "bangalore_city_police_stations_2012.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("2012 station list: %w", err)
	}
	out := map[string]station2012{}
	for _, rec := range recs[1:] {
		if len(rec) < 6 {
			continue
		}
		key := compact(rec[2])
		for _, from := range renameKeys {
			if strings.HasPrefix(key, from) {
				key = renames2012[from] + key[len(from):]
				break
			}
		}
		best := ""
		for _, c := range current {
			if strings.HasPrefix(key, c) && len(c) > len(best) {
				best = c
			}
		}
		if best == "" {
			log.Printf("gen: 2012 station %q matches no current station", firstWords(rec[2]))
			continue
		}
		dcp, acp := strings.TrimSpace(rec[4]), strings.TrimSpace(rec[5])
		var div string
		if i := strings.Index(dcp, " Division"); i > 0 {
			div = dcp[:i+len(" Division")]
		} else {
			div = "Bengaluru District" // 2012 district police (Anekal, Hoskote, Doddaballapura…)
		}
		if _, seen := out[best]; !seen {
			out[best] = station2012{div, titleCase(acp) + " Sub-division"}
		}
	}
	return out, nil
}

func firstWords(s string) string {
	if len(s) > 30 {
		return s[:30]
	}
	return s
}

func titleCase(s string) string {
	s = strings.TrimSpace(s)
	if strings.ToUpper(s) == s {
		s = strings.ToLower(s)
	}
	w := strings.Fields(s)
	for i, x := range w {
		w[i] = strings.ToUpper(x[:1]) + x[1:]
	}
	return strings.Join(w, " ")
}

func (b *builder) lawAndOrder() error {
	feats, err := b.layer("police_city")
	if err != nil {
		return err
	}
	// Merge features of the same station (Thalaghattapura appears twice).
	type st struct {
		name, kn string
		s        *shape.Shape
	}
	var order []string
	byName := map[string]*st{}
	for _, f := range feats {
		n := baseName(f.Name)
		if x, ok := byName[n]; ok {
			x.s = shape.Merge(x.s, f.Shape)
			continue
		}
		byName[n] = &st{name: n, kn: stripPS(b.kn["police_city\x00"+f.Name]), s: f.Shape}
		order = append(order, n)
	}
	var compacts []string
	for _, n := range order {
		compacts = append(compacts, compact(n))
	}
	h, err := b.hierarchy2012(compacts)
	if err != nil {
		return err
	}
	divs := map[string]bool{}
	sdivs := map[string]bool{}
	var divUnits, sdivUnits, stUnits []Unit
	matched := 0
	for _, n := range order {
		x := byName[n]
		u := Unit{Code: "blr/ps/" + slug(n), Kind: geo.KindStation, Name: n + " PS", ParentCode: "blr", Geometry: x.s.GeoJSON()}
		if x.kn != "" {
			u.NameKn = x.kn + " ಪೊಲೀಸ್ ಠಾಣೆ"
		}
		u.Lon, u.Lat = x.s.InteriorPoint()
		if o, ok := b.official("police_city", n); ok {
			u.Phone, u.Email = strings.TrimSpace(o.Phone), strings.TrimSpace(o.Email)
			if o.OfficeLat != 0 {
				u.Lat, u.Lon = o.OfficeLat, o.OfficeLng
			}
		}
		if hh, ok := h[compact(n)]; ok {
			matched++
			dc := "blr/div/" + slug(strings.TrimSuffix(hh.division, " Division"))
			sc := "blr/sdiv/" + slug(strings.TrimSuffix(hh.subdivision, " Sub-division"))
			if !divs[dc] {
				divs[dc] = true
				divUnits = append(divUnits, Unit{Code: dc, Kind: geo.KindDivision, Name: hh.division, ParentCode: "blr"})
			}
			if !sdivs[sc] {
				sdivs[sc] = true
				sdivUnits = append(sdivUnits, Unit{Code: sc, Kind: geo.KindSubdivision, Name: hh.subdivision, ParentCode: dc})
			}
			u.ParentCode = sc
		}
		stUnits = append(stUnits, u)
	}
	log.Printf("gen: %d law-and-order stations, %d placed in the 2012 hierarchy", len(stUnits), matched)
	b.units = append(b.units, divUnits...)
	b.units = append(b.units, sdivUnits...)
	b.units = append(b.units, stUnits...)
	return nil
}

func (b *builder) trafficUnits() error {
	dcps, err := b.layer("police_traffic_dcp")
	if err != nil {
		return err
	}
	acps, err := b.layer("police_traffic_acp")
	if err != nil {
		return err
	}
	sts, err := b.layer("police_traffic")
	if err != nil {
		return err
	}
	parentOf := func(s *shape.Shape, in []feature, prefix string) string {
		lon, lat := s.InteriorPoint()
		for _, p := range in {
			if p.Shape.Contains(lon, lat) {
				return prefix + slug(strings.TrimPrefix(strings.TrimPrefix(p.Name, "DCP Traffic"), "ACP Traffic"))
			}
		}
		return "blr"
	}
	addOffice := func(u *Unit, dept, area string) {
		for _, o := range b.offs {
			if o.Department == dept && o.Area == area {
				u.Phone, u.Email = strings.TrimSpace(o.Phone), strings.TrimSpace(o.Email)
				if o.OfficeLat != 0 {
					u.Lat, u.Lon = o.OfficeLat, o.OfficeLng
				}
				if u.NameKn == "" {
					u.NameKn = o.AreaRegional
				}
				return
			}
		}
	}
	for _, d := range dcps {
		u := Unit{Code: "blr/tdiv/" + slug(strings.TrimPrefix(d.Name, "DCP Traffic")), Kind: geo.KindTrafficDivision, Name: d.Name,
			NameKn: b.kn["police_traffic_dcp\x00"+d.Name], ParentCode: "blr", Geometry: d.Shape.GeoJSON()}
		u.Lon, u.Lat = d.Shape.InteriorPoint()
		addOffice(&u, "police_traffic_dcp", d.Name)
		b.units = append(b.units, u)
	}
	for _, a := range acps {
		u := Unit{Code: "blr/tsdiv/" + slug(strings.TrimPrefix(a.Name, "ACP Traffic")), Kind: geo.KindTrafficSubdivision, Name: a.Name,
			NameKn: b.kn["police_traffic_acp\x00"+a.Name], ParentCode: parentOf(a.Shape, dcps, "blr/tdiv/"), Geometry: a.Shape.GeoJSON()}
		u.Lon, u.Lat = a.Shape.InteriorPoint()
		addOffice(&u, "police_traffic_acp", a.Name)
		b.units = append(b.units, u)
	}
	for _, s := range sts {
		n := baseName(s.Name)
		if n == "" {
			continue
		}
		u := Unit{Code: "blr/tps/" + slug(n), Kind: geo.KindTrafficStation, Name: n + " Traffic PS",
			ParentCode: parentOf(s.Shape, acps, "blr/tsdiv/"), Geometry: s.Shape.GeoJSON()}
		if kn := stripPS(b.kn["police_traffic\x00"+s.Name]); kn != "" {
			u.NameKn = kn + " ಸಂಚಾರ ಪೊಲೀಸ್ ಠಾಣೆ"
		}
		u.Lon, u.Lat = s.Shape.InteriorPoint()
		addOffice(&u, "police_traffic", s.Name)
		b.units = append(b.units, u)
	}
	return nil
}

var numPrefix = regexp.MustCompile(`^\d+\s*:\s*`)

func (b *builder) wards() error {
	feats, err := b.layer("gba_ward")
	if err != nil {
		return err
	}
	for _, f := range feats {
		a := geo.Area{Kind: "ward", Name: numPrefix.ReplaceAllString(f.Name, ""), Geometry: f.Shape.GeoJSON(),
			NameKn: numPrefix.ReplaceAllString(b.kn["gba_ward\x00"+f.Name], "")}
		a.Lon, a.Lat = f.Shape.InteriorPoint()
		a.Stations = b.ov.shares(f.Shape)
		b.areas = append(b.areas, a)
	}
	return nil
}

var hobliSuffix = regexp.MustCompile(`\s*-?\s*\d+$`)

// gazetteer collects named points from civic layers. Each keeps its
// source layer so the matcher can rank them.
func (b *builder) gazetteer() error {
	for _, layer := range []string{"bbmp_wards", "pincode", "gba_division", "gba_subdivision", "election_ac", "admin_village"} {
		feats, err := b.layer(layer)
		if err != nil {
			return err
		}
		for _, f := range feats {
			name := numPrefix.ReplaceAllString(f.Name, "")
			kn := numPrefix.ReplaceAllString(b.kn[layer+"\x00"+f.Name], "")
			if layer == "pincode" {
				// "560034: Koramangala": keep the pincode in front so the
				// matcher can index both the code and the area name.
				name = f.Name
				kn = b.kn[layer+"\x00"+f.Name]
			}
			name = hobliSuffix.ReplaceAllString(name, "")
			lon, lat := f.Shape.InteriorPoint()
			b.places = append(b.places, geo.PlaceName{Layer: layer, Name: name, NameKn: kn, Lat: round5(lat), Lon: round5(lon),
				Stations: b.ov.shares(f.Shape)})
		}
	}
	sort.SliceStable(b.places, func(i, j int) bool { return b.places[i].Layer < b.places[j].Layer })
	return nil
}

func round5(v float64) float64 { return float64(int64(v*1e5+0.5)) / 1e5 }
