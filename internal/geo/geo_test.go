package geo

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dataDir is ../shared/data/bengaluru relative to the repository root.
func dataDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join("..", "..", "..", "shared", "data", "bengaluru")
	if _, err := os.Stat(filepath.Join(d, "gazetteer_flat.csv")); err != nil {
		t.Fatalf("test data missing (need ../shared/data/bengaluru beside the repo): %v", err)
	}
	return d
}

func TestDefaultPack(t *testing.T) {
	start := time.Now()
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("decoded in %v", time.Since(start))
	counts := map[string]int{}
	for _, u := range p.Units() {
		counts[u.Kind]++
		if u.Code == "" || u.Name == "" || !ValidKind(u.Kind) {
			t.Errorf("bad unit %+v", u)
		}
		if u.Kind != KindForce {
			parent, ok := p.Unit(u.ParentCode)
			if !ok {
				t.Errorf("%s: parent %q missing", u.Code, u.ParentCode)
				continue
			}
			want := map[string][]string{
				KindDivision:           {KindForce},
				KindSubdivision:        {KindDivision},
				KindStation:            {KindSubdivision, KindForce},
				KindTrafficDivision:    {KindForce},
				KindTrafficSubdivision: {KindTrafficDivision, KindForce},
				KindTrafficStation:     {KindTrafficSubdivision, KindForce},
			}[u.Kind]
			if !contains(want, parent.Kind) {
				t.Errorf("%s (%s) has parent %s of kind %s", u.Code, u.Kind, parent.Code, parent.Kind)
			}
		}
		if u.Kind == KindStation && !strings.HasSuffix(u.Name, " PS") {
			t.Errorf("station name %q does not end in PS", u.Name)
		}
		if u.Kind == KindTrafficStation && !strings.HasSuffix(u.Name, " Traffic PS") {
			t.Errorf("traffic station name %q does not end in Traffic PS", u.Name)
		}
	}
	if counts[KindStation] < 140 || counts[KindTrafficStation] < 45 || counts[KindTrafficSubdivision] != 10 ||
		counts[KindTrafficDivision] != 4 || counts[KindDivision] < 6 || counts[KindForce] != 1 {
		t.Errorf("unexpected unit counts %v", counts)
	}
	if len(p.Areas()) != 369 {
		t.Errorf("%d wards, want 369", len(p.Areas()))
	}
	u, ok := p.Unit("blr/ps/adugodi")
	if !ok || u.Name != "Adugodi PS" || u.Phone == "" || u.Email == "" || u.NameKn == "" {
		t.Errorf("Adugodi PS = %+v", u)
	}
	if u, ok := p.Unit("blr/tps/adugodi"); !ok || u.Name != "Adugodi Traffic PS" {
		t.Errorf("Adugodi Traffic PS = %+v, %v", u.Name, ok)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestLocateKnownPoints(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lat, lon float64
		station  string
		traffic  string
		ward     string
	}{
		// Koramangala police station office (officials.json).
		{12.9347, 77.6225, "Koramangala PS", "", ""},
		// Adugodi PS office.
		{12.94143, 77.61154, "Adugodi PS", "Adugodi Traffic PS", ""},
		// Far outside the city: the Arabian Sea.
		{12.9, 74.0, "", "", ""},
	}
	for _, c := range cases {
		l := p.Locate(c.lat, c.lon)
		if c.station != l.Station || c.traffic != "" && c.traffic != l.TrafficStation || c.station == "" && (l.Ward != "" || l.TrafficStation != "") {
			t.Errorf("Locate(%v,%v) = %+v, want station %q traffic %q", c.lat, c.lon, l, c.station, c.traffic)
		}
	}
}

// TestLocateOffices checks the simplified polygons against the source
// data: each station office with coordinates should fall in its own
// station (the source itself manages 84 of 85).
func TestLocateOffices(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dataDir(t), "gazetteer_flat.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	total, hit := 0, 0
	for _, r := range recs[1:] {
		if r[0] != "police_city" || r[5] == "" {
			continue
		}
		lat, _ := strconv.ParseFloat(r[5], 64)
		lon, _ := strconv.ParseFloat(r[6], 64)
		total++
		got := p.Locate(lat, lon).Station
		if compactName(got) == compactName(r[1]) || got == "Malleshwaram PS" && r[1] == "Malleshwarm PS" {
			hit++
		} else {
			t.Logf("office of %s located in %q", r[1], got)
		}
	}
	t.Logf("%d of %d offices inside their own station", hit, total)
	if total < 80 || hit < total-3 {
		t.Errorf("%d of %d offices inside their own station", hit, total)
	}
}

func compactName(s string) string {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "PS"))
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return strings.TrimSuffix(b.String(), "ps")
}

func BenchmarkLocate(b *testing.B) {
	p, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	pts := [][2]float64{{12.9347, 77.6225}, {12.9716, 77.5946}, {13.0358, 77.5970}, {12.9141, 77.6101}, {12.8452, 77.6602}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pt := pts[i%len(pts)]
		p.Locate(pt[0], pt[1])
	}
}

func BenchmarkDecode(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Decode(strings.NewReader(string(embedded))); err != nil {
			b.Fatal(err)
		}
	}
}
