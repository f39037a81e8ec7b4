package geo

import (
	"strings"
	"testing"
)

const sq = `{"type":"Polygon","coordinates":[[[78.4,17.3],[78.5,17.3],[78.5,17.4],[78.4,17.4],[78.4,17.3]]]}`

func TestParseGeoJSON(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"PS_NAME":"Abids PS","ZONE":"hyd/div/central"},"geometry":` + sq + `},
	 {"type":"Feature","properties":{"PS_NAME":"Central Zone","KIND":"division"},"geometry":null}]}`
	units, err := ParseGeoJSON(strings.NewReader(in), ImportOptions{NameProp: "PS_NAME", KindProp: "KIND", CodePrefix: "hyd/ps/", ParentProp: "ZONE", DefaultParent: "hyd"})
	if err == nil {
		t.Fatalf("parent hyd/div/central is not in the file, want error, got %+v", units)
	}
	in = strings.Replace(in, `"hyd/div/central"`, `"hyd"`, 1)
	units, err = ParseGeoJSON(strings.NewReader(in), ImportOptions{NameProp: "PS_NAME", KindProp: "KIND", CodePrefix: "hyd/ps/", ParentProp: "ZONE", DefaultParent: "hyd"})
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 2 || units[0].Code != "hyd/ps/abids-ps" || units[0].Kind != KindStation || units[0].ParentCode != "hyd" ||
		units[1].Kind != KindDivision || units[1].Geometry != nil {
		t.Fatalf("units = %+v", units)
	}
	if units[0].Lat < 17.3 || units[0].Lat > 17.4 || units[0].Lon < 78.4 || units[0].Lon > 78.5 {
		t.Errorf("interior point %v,%v outside the square", units[0].Lat, units[0].Lon)
	}
	p, err := New(units, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Locate(17.35, 78.45); l.Station != "Abids PS" {
		t.Errorf("Locate in imported pack = %+v", l)
	}
}

func TestParseGeoJSONRejects(t *testing.T) {
	feat := func(props, geom string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}]}`
	}
	cases := map[string]string{
		"not json":          `{"type":`,
		"not a collection":  `{"type":"Feature"}`,
		"no features":       `{"type":"FeatureCollection","features":[]}`,
		"trailing data":     feat(`{"name":"A"}`, sq) + `{}`,
		"missing name":      feat(`{"x":"A"}`, sq),
		"empty name":        feat(`{"name":"  "}`, sq),
		"name not string":   feat(`{"name":{"a":1}}`, sq),
		"station no geom":   feat(`{"name":"A"}`, `null`),
		"point geometry":    feat(`{"name":"A"}`, `{"type":"Point","coordinates":[1,2]}`),
		"short ring":        feat(`{"name":"A"}`, `{"type":"Polygon","coordinates":[[[1,2],[2,2],[1,2]]]}`),
		"out of range":      feat(`{"name":"A"}`, `{"type":"Polygon","coordinates":[[[1,200],[2,2],[2,3],[1,200]]]}`),
		"zero area":         feat(`{"name":"A"}`, `{"type":"Polygon","coordinates":[[[1,2],[1,2],[1,2],[1,2]]]}`),
		"bad kind":          feat(`{"name":"A","kind":"army"}`, sq),
		"bad code":          feat(`{"name":"A","code":"Blr PS!"}`, sq),
		"control char":      feat(`{"name":"A\u0007"}`, sq),
		"invalid utf8":      feat(`{"name":"A`+"\xff"+`"}`, sq),
		"feature not typed": `{"type":"FeatureCollection","features":[{"properties":{"name":"A"},"geometry":` + sq + `}]}`,
	}
	for name, in := range cases {
		if _, err := ParseGeoJSON(strings.NewReader(in), ImportOptions{KindProp: "kind", CodeProp: codeProp(name)}); err == nil {
			t.Errorf("%s: want error", name)
		} else if !strings.HasPrefix(err.Error(), "geo: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
	dup := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"A"},"geometry":` + sq + `},{"type":"Feature","properties":{"name":"A"},"geometry":` + sq + `}]}`
	if _, err := ParseGeoJSON(strings.NewReader(dup), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("duplicate codes: err = %v", err)
	}
	if _, err := ParseGeoJSON(strings.NewReader(dup), ImportOptions{MaxBytes: 100}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("size limit: err = %v", err)
	}
}

func codeProp(name string) string {
	if name == "bad code" {
		return "code"
	}
	return ""
}

func FuzzParseGeoJSON(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Abids PS"},"geometry":` + sq + `}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"X","kind":"division"},"geometry":null}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"M"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		units, err := ParseGeoJSON(strings.NewReader(in), ImportOptions{KindProp: "kind", MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		for _, u := range units {
			if u.Name == "" || !ValidKind(u.Kind) || checkCode(u.Code) != nil {
				t.Fatalf("accepted bad unit %+v", u)
			}
		}
		if _, err := New(units, nil, nil); err != nil {
			t.Fatalf("accepted units do not build a pack: %v", err)
		}
	})
}
