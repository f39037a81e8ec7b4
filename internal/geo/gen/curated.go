package main

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/geo"
)

// curatedCSV is the project's own list of landmarks the open sources
// lack: hospitals, colleges and institutions, temples, churches and
// mosques, lakes, parks, malls and markets, tech parks and towers,
// circles and junctions, bus and railway stations, government buildings
// (layer landmark_curated). Columns name,alt_names,kind,lat,lon;
// alt_names are separated by '|', Kannada ones recognised by their
// script. The points were written by Kaval's contributors from their
// knowledge of the city, to about 100–300 m (TestCuratedPointsAgree in
// internal/analyze/place measures them against the same places in the open sources); the force
// should verify them before operational use. Lakes the size of a ward
// (Bellandur, Varthur) are left out: one point is not where a post about
// them is, and the locality they are named after routes them. Distributed
// with the project under its own licence.
//
//go:embed curated/landmarks.csv
var curatedCSV string

func (b *builder) curated() error {
	r := csv.NewReader(strings.NewReader(curatedCSV))
	recs, err := r.ReadAll()
	if err != nil {
		return fmt.Errorf("curated/landmarks.csv: %w", err)
	}
	seen := map[string]bool{}
	for i, rec := range recs[1:] {
		name := strings.TrimSpace(rec[0])
		lat, err1 := strconv.ParseFloat(rec[3], 64)
		lon, err2 := strconv.ParseFloat(rec[4], 64)
		if name == "" || err1 != nil || err2 != nil || lat < 12.7 || lat > 13.3 || lon < 77.3 || lon > 77.9 {
			return fmt.Errorf("curated/landmarks.csv line %d: bad name or point", i+2)
		}
		if seen[strings.ToLower(name)] {
			return fmt.Errorf("curated/landmarks.csv line %d: %q twice", i+2, name)
		}
		seen[strings.ToLower(name)] = true
		var latin []string
		kn := ""
		for _, a := range strings.Split(rec[1], "|") {
			switch a = strings.TrimSpace(a); {
			case a == "":
			case hasKannada(a):
				if kn == "" {
					kn = a
				}
			default:
				latin = append(latin, a)
			}
		}
		p := geo.PlaceName{Layer: "landmark_curated", Name: name, NameKn: kn, Lat: round5(lat), Lon: round5(lon)}
		b.places = append(b.places, p)
		for _, a := range latin {
			p.Name, p.NameKn = a, ""
			b.places = append(b.places, p)
		}
	}
	return nil
}
