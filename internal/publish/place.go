package publish

import (
	"context"
	"math"
	"strings"

	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// MaxRadiusKm bounds a targeted advisory's circle: wider is the whole city.
const MaxRadiusKm = 25

// findPlace looks a locality, landmark, ward or station up in the
// jurisdiction pack's gazetteer by its English or Kannada name.
func findPlace(name string) (lat, lon float64, ok bool) {
	pack, err := geo.Default()
	if err != nil {
		return 0, 0, false
	}
	want := textnorm.Fold(strings.TrimSpace(name))
	if want == "" {
		return 0, 0, false
	}
	same := func(n, kn string) bool { return textnorm.Fold(n) == want || (kn != "" && textnorm.Fold(kn) == want) }
	for _, u := range pack.Units() {
		if u.Kind == "station" && (same(u.Name, u.NameKn) || same(strings.TrimSuffix(u.Name, " PS"), "")) && u.Lat != 0 {
			return u.Lat, u.Lon, true
		}
	}
	for _, a := range pack.Areas() {
		if same(a.Name, a.NameKn) {
			return a.Lat, a.Lon, true
		}
	}
	for _, p := range pack.Places() {
		if same(p.Name, p.NameKn) {
			return p.Lat, p.Lon, true
		}
	}
	return 0, 0, false
}

// km is the great-circle distance between two points.
func km(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// StationsNear returns the stations whose office lies within radius km of
// the named place, and the station whose jurisdiction holds the place
// (geo.Locate names it as the units table does).
func (s *Service) StationsNear(ctx context.Context, place string, radiusKm float64) ([]int64, error) {
	if radiusKm <= 0 || radiusKm > MaxRadiusKm {
		return nil, invalid("radius_km", "radius_km must be more than 0 and at most %d", MaxRadiusKm)
	}
	lat, lon, ok := findPlace(place)
	if !ok {
		return nil, invalid("place", "no place called %q in the jurisdiction pack: try a locality, ward, landmark or station", place)
	}
	holder := ""
	if pack, err := geo.Default(); err == nil {
		holder = pack.Locate(lat, lon).Station
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, name, lat, lon FROM units WHERE kind = 'station' AND lat IS NOT NULL AND lon IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		var name string
		var ulat, ulon float64
		if err := rows.Scan(&id, &name, &ulat, &ulon); err != nil {
			return nil, err
		}
		if (holder != "" && name == holder) || km(lat, lon, ulat, ulon) <= radiusKm {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}
