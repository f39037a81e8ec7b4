// Package geo is the jurisdiction pack: the force's units (force →
// division → sub-division → station, traffic units alongside) with their
// boundaries, the city's wards, and a list of named places, compiled from
// ../shared/data/bengaluru by ./gen into pack/bengaluru.json.gz and embedded
// in the binary. Locate answers which ward, law-and-order station and
// traffic station contain a point.
//
// Naming convention (what the analysis reports and the desk stores):
//   - law-and-order station: "<Name> PS", the name as in the BCP station
//     boundary layer with spacing fixed ("Adugodi PS", "J.C. Nagar PS");
//   - traffic station: "<Name> Traffic PS" ("Adugodi Traffic PS"), as the
//     BTP office list spells them;
//   - divisions/sub-divisions: "Central Division", "Cubbon Park Sub-division",
//     "DCP Traffic East", "ACP Traffic Central";
//   - ward: the GBA 2025 ward name without its number ("Koramangala").
//
// Codes are stable slugs: "blr", "blr/div/central", "blr/sdiv/cubbon-park",
// "blr/ps/adugodi", "blr/tdiv/east", "blr/tsdiv/central", "blr/tps/adugodi".
package geo

//go:generate go run ./gen -data ../../../shared/data/bengaluru -out pack/bengaluru.json.gz

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/kaval-desk/kaval/internal/geo/shape"
)

// Kinds of unit.
const (
	KindForce              = "force"
	KindDivision           = "division"
	KindSubdivision        = "subdivision"
	KindStation            = "station"
	KindTrafficDivision    = "traffic_division"
	KindTrafficSubdivision = "traffic_subdivision"
	KindTrafficStation     = "traffic_station"
)

// ValidKind reports whether k is one of the unit kinds.
func ValidKind(k string) bool {
	switch k {
	case KindForce, KindDivision, KindSubdivision, KindStation,
		KindTrafficDivision, KindTrafficSubdivision, KindTrafficStation:
		return true
	}
	return false
}

// Unit is one node of the force's hierarchy. Geometry is a GeoJSON
// Polygon/MultiPolygon (nil for units without a boundary of their own).
// Lat/Lon is the office when known, else a point inside the boundary.
type Unit struct {
	Code       string          `json:"code"`
	Kind       string          `json:"kind"`
	Name       string          `json:"name"`
	NameKn     string          `json:"name_kn,omitempty"`
	ParentCode string          `json:"parent,omitempty"`
	Phone      string          `json:"phone,omitempty"`
	Email      string          `json:"email,omitempty"`
	Lat        float64         `json:"lat,omitempty"`
	Lon        float64         `json:"lon,omitempty"`
	Geometry   json.RawMessage `json:"geometry,omitempty"`
}

// Area is a civic area that is not a police unit (a ward), kept for
// Locate and for the gazetteer.
type Area struct {
	Kind     string          `json:"kind"` // "ward"
	Name     string          `json:"name"`
	NameKn   string          `json:"name_kn,omitempty"`
	Lat      float64         `json:"lat"`
	Lon      float64         `json:"lon"`
	Geometry json.RawMessage `json:"geometry"`
	// Stations: the law-and-order stations whose boundaries share the
	// area, largest part first, when more than one holds 5% of it.
	Stations []Share `json:"stations,omitempty"`
}

// Share is one station's part of an area, from 0 to 1 (two decimals).
type Share struct {
	Station string  `json:"s"`
	Part    float64 `json:"p"`
}

// PlaceName is a named point of the gazetteer: a village, pincode area,
// older ward, assembly constituency, hobli… Lat/Lon is a point inside the
// source polygon; Stations, for an area, the stations sharing it (as in
// Area). A landmark is a point; a name may repeat (one row per school of
// a locality), each row a piece of evidence.
type PlaceName struct {
	Layer    string  `json:"layer"`
	Name     string  `json:"name"`
	NameKn   string  `json:"name_kn,omitempty"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	Stations []Share `json:"stations,omitempty"`
}

// Location is what Locate finds at a point; empty strings where nothing
// contains it.
type Location struct {
	Ward, Station, TrafficStation string
}

// Pack is a decoded jurisdiction pack, safe for concurrent use.
type Pack struct {
	units  []Unit
	byCode map[string]int
	areas  []Area
	places []PlaceName

	stations, traffic, wards []int // indexes into units/areas per index
	stIx, trIx, wdIx         *shape.Index
}

// file is the on-disk pack. Geometries are stored in shape's compact
// binary form (base64 in the JSON), not GeoJSON: decoding is then a few
// tens of milliseconds instead of over a hundred.
type file struct {
	Version int         `json:"version"`
	Source  string      `json:"source"`
	Units   []Unit      `json:"units"`
	Areas   []Area      `json:"areas"`
	Places  []PlaceName `json:"places"`
	// UnitGeom[i] and AreaGeom[i] are the encoded geometries of Units[i]
	// and Areas[i] (nil when the unit has none).
	UnitGeom [][]byte `json:"unit_geom"`
	AreaGeom [][]byte `json:"area_geom"`
}

//go:embed pack/bengaluru.json.gz
var embedded []byte

var (
	defOnce sync.Once
	defPack *Pack
	defErr  error
)

// Default returns the embedded Bengaluru pack, decoded once.
func Default() (*Pack, error) {
	defOnce.Do(func() {
		defPack, defErr = Decode(bytes.NewReader(embedded))
	})
	return defPack, defErr
}

// Decode reads a gzip'd pack as written by Encode.
func Decode(r io.Reader) (*Pack, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("geo: unable to open pack: %w", err)
	}
	var f file
	if err := json.NewDecoder(io.LimitReader(zr, 64<<20)).Decode(&f); err != nil {
		return nil, fmt.Errorf("geo: unable to decode pack: %w", err)
	}
	if f.Version != 2 {
		return nil, fmt.Errorf("geo: pack version %d is not supported", f.Version)
	}
	if len(f.UnitGeom) != len(f.Units) || len(f.AreaGeom) != len(f.Areas) {
		return nil, errors.New("geo: pack geometry count does not match")
	}
	us := make([]*shape.Shape, len(f.Units))
	for i, g := range f.UnitGeom {
		if g == nil {
			continue
		}
		s, err := shape.Decode(g)
		if err != nil {
			return nil, fmt.Errorf("geo: unit %s: %w", f.Units[i].Code, err)
		}
		us[i] = s
		f.Units[i].Geometry = s.GeoJSON()
	}
	as := make([]*shape.Shape, len(f.Areas))
	for i, g := range f.AreaGeom {
		s, err := shape.Decode(g)
		if err != nil {
			return nil, fmt.Errorf("geo: area %s: %w", f.Areas[i].Name, err)
		}
		as[i] = s
		f.Areas[i].Geometry = s.GeoJSON()
	}
	return build(f.Units, us, f.Areas, as, f.Places)
}

// Encode writes a gzip'd pack that Decode reads back.
func Encode(w io.Writer, source string, units []Unit, areas []Area, places []PlaceName) error {
	f := file{Version: 2, Source: source, Places: places}
	for _, u := range units {
		var g []byte
		if len(u.Geometry) > 0 {
			s, err := shape.Parse(u.Geometry)
			if err != nil {
				return fmt.Errorf("geo: unit %s: %w", u.Code, err)
			}
			g = s.Encode()
		}
		u.Geometry = nil
		f.Units = append(f.Units, u)
		f.UnitGeom = append(f.UnitGeom, g)
	}
	for _, a := range areas {
		s, err := shape.Parse(a.Geometry)
		if err != nil {
			return fmt.Errorf("geo: area %s: %w", a.Name, err)
		}
		a.Geometry = nil
		f.Areas = append(f.Areas, a)
		f.AreaGeom = append(f.AreaGeom, s.Encode())
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("geo: unable to encode pack: %w", err)
	}
	return zw.Close()
}

// New builds a pack from units (e.g. imported with ParseGeoJSON), wards
// and gazetteer places. Codes must be unique; geometries must parse.
func New(units []Unit, areas []Area, places []PlaceName) (*Pack, error) {
	us := make([]*shape.Shape, len(units))
	for i, u := range units {
		if len(u.Geometry) == 0 {
			continue
		}
		s, err := shape.Parse(u.Geometry)
		if err != nil {
			return nil, fmt.Errorf("geo: unit %s: %w", u.Code, err)
		}
		us[i] = s
	}
	as := make([]*shape.Shape, len(areas))
	for i, a := range areas {
		s, err := shape.Parse(a.Geometry)
		if err != nil {
			return nil, fmt.Errorf("geo: area %s: %w", a.Name, err)
		}
		as[i] = s
	}
	return build(units, us, areas, as, places)
}

func build(units []Unit, us []*shape.Shape, areas []Area, as []*shape.Shape, places []PlaceName) (*Pack, error) {
	p := &Pack{units: units, areas: areas, places: places, byCode: make(map[string]int, len(units))}
	var stShapes, trShapes []*shape.Shape
	for i, u := range units {
		if _, dup := p.byCode[u.Code]; dup {
			return nil, fmt.Errorf("geo: unit code %q appears twice", u.Code)
		}
		p.byCode[u.Code] = i
		switch {
		case us[i] == nil:
		case u.Kind == KindStation:
			p.stations = append(p.stations, i)
			stShapes = append(stShapes, us[i])
		case u.Kind == KindTrafficStation:
			p.traffic = append(p.traffic, i)
			trShapes = append(trShapes, us[i])
		}
	}
	for i := range areas {
		p.wards = append(p.wards, i)
	}
	p.stIx = shape.NewIndex(stShapes)
	p.trIx = shape.NewIndex(trShapes)
	p.wdIx = shape.NewIndex(as)
	return p, nil
}

// Units returns all units, parents before children. The slice is shared:
// do not modify it.
func (p *Pack) Units() []Unit { return p.units }

// Unit returns the unit with the given code.
func (p *Pack) Unit(code string) (Unit, bool) {
	i, ok := p.byCode[code]
	if !ok {
		return Unit{}, false
	}
	return p.units[i], true
}

// Areas returns the wards. Shared slice: do not modify.
func (p *Pack) Areas() []Area { return p.areas }

// Places returns the gazetteer's named places. Shared slice: do not modify.
func (p *Pack) Places() []PlaceName { return p.places }

// Locate returns the ward, law-and-order station and traffic station
// whose boundaries contain the point.
func (p *Pack) Locate(lat, lon float64) Location {
	var l Location
	if i := p.stIx.Find(lon, lat); i >= 0 {
		l.Station = p.units[p.stations[i]].Name
	}
	if i := p.trIx.Find(lon, lat); i >= 0 {
		l.TrafficStation = p.units[p.traffic[i]].Name
	}
	if i := p.wdIx.Find(lon, lat); i >= 0 {
		l.Ward = p.areas[p.wards[i]].Name
	}
	return l
}
