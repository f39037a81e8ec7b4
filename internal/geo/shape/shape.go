// Package shape is the small amount of planar geometry the jurisdiction
// pack needs: polygons decoded from GeoJSON, point-in-polygon, bounding
// boxes, Douglas–Peucker simplification and a point guaranteed to lie
// inside a polygon. Coordinates are degrees (lon, lat); at Bengaluru's
// scale a planar treatment is accurate to well under a metre.
package shape

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Ring is a closed sequence of [lon, lat] points (first == last is not
// required in memory; containment treats it as closed).
type Ring [][2]float64

// Polygon is an outer ring followed by holes.
type Polygon []Ring

// Shape is a multipolygon with its bounding box.
type Shape struct {
	Polys []Polygon
	Box   Box
}

// Box is a bounding box in degrees.
type Box struct{ MinLon, MinLat, MaxLon, MaxLat float64 }

// Empty box that any point extends.
func EmptyBox() Box {
	return Box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

func (b *Box) Extend(lon, lat float64) {
	b.MinLon = math.Min(b.MinLon, lon)
	b.MinLat = math.Min(b.MinLat, lat)
	b.MaxLon = math.Max(b.MaxLon, lon)
	b.MaxLat = math.Max(b.MaxLat, lat)
}

func (b Box) Union(o Box) Box {
	b.Extend(o.MinLon, o.MinLat)
	b.Extend(o.MaxLon, o.MaxLat)
	return b
}

func (b Box) Contains(lon, lat float64) bool {
	return lon >= b.MinLon && lon <= b.MaxLon && lat >= b.MinLat && lat <= b.MaxLat
}

// Limits that keep a hostile geometry from exhausting memory or time.
const (
	MaxPolygons = 10000
	MaxPoints   = 2_000_000
)

// geometry is the subset of a GeoJSON geometry object we accept.
type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// Parse decodes a GeoJSON Polygon or MultiPolygon geometry. It rejects
// other types, out-of-range coordinates, NaN, rings with fewer than four
// positions, and anything beyond MaxPolygons/MaxPoints.
func Parse(raw json.RawMessage) (*Shape, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, errors.New("shape: geometry is missing")
	}
	var g geometry
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("shape: unable to decode geometry: %w", err)
	}
	var polys [][][][]float64
	switch g.Type {
	case "Polygon":
		var p [][][]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, fmt.Errorf("shape: unable to decode Polygon coordinates: %w", err)
		}
		polys = [][][][]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, fmt.Errorf("shape: unable to decode MultiPolygon coordinates: %w", err)
		}
	default:
		return nil, fmt.Errorf("shape: geometry type %q is not Polygon or MultiPolygon", g.Type)
	}
	if len(polys) == 0 {
		return nil, errors.New("shape: geometry has no polygons")
	}
	if len(polys) > MaxPolygons {
		return nil, fmt.Errorf("shape: geometry has %d polygons, more than %d", len(polys), MaxPolygons)
	}
	s := &Shape{Box: EmptyBox()}
	points := 0
	for pi, p := range polys {
		if len(p) == 0 {
			return nil, fmt.Errorf("shape: polygon %d has no rings", pi)
		}
		var poly Polygon
		for ri, r := range p {
			if len(r) < 4 {
				return nil, fmt.Errorf("shape: polygon %d ring %d has %d positions, need at least 4", pi, ri, len(r))
			}
			points += len(r)
			if points > MaxPoints {
				return nil, fmt.Errorf("shape: geometry has more than %d positions", MaxPoints)
			}
			ring := make(Ring, 0, len(r))
			for _, pos := range r {
				if len(pos) < 2 || len(pos) > 3 {
					return nil, fmt.Errorf("shape: polygon %d ring %d has a position with %d numbers", pi, ri, len(pos))
				}
				lon, lat := pos[0], pos[1]
				if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
					return nil, fmt.Errorf("shape: polygon %d ring %d has position out of range (%v, %v)", pi, ri, lon, lat)
				}
				ring = append(ring, [2]float64{lon, lat})
				if ri == 0 {
					s.Box.Extend(lon, lat)
				}
			}
			poly = append(poly, ring)
		}
		s.Polys = append(s.Polys, poly)
	}
	return s, nil
}

// Contains reports whether (lon, lat) is inside the shape (even-odd rule
// per polygon: inside the outer ring and outside every hole).
func (s *Shape) Contains(lon, lat float64) bool {
	if !s.Box.Contains(lon, lat) {
		return false
	}
	for _, p := range s.Polys {
		if !ringContains(p[0], lon, lat) {
			continue
		}
		inHole := false
		for _, h := range p[1:] {
			if ringContains(h, lon, lat) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

func ringContains(r Ring, x, y float64) bool {
	in := false
	n := len(r)
	j := n - 1
	for i := 0; i < n; i++ {
		xi, yi := r[i][0], r[i][1]
		xj, yj := r[j][0], r[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
		j = i
	}
	return in
}

// Area returns the planar area in square degrees (holes subtracted).
func (s *Shape) Area() float64 {
	a := 0.0
	for _, p := range s.Polys {
		a += math.Abs(ringArea(p[0]))
		for _, h := range p[1:] {
			a -= math.Abs(ringArea(h))
		}
	}
	return a
}

func ringArea(r Ring) float64 {
	a := 0.0
	for i := range r {
		j := (i + 1) % len(r)
		a += r[i][0]*r[j][1] - r[j][0]*r[i][1]
	}
	return a / 2
}

// Centroid is the area-weighted centroid of the outer rings.
func (s *Shape) Centroid() (lon, lat float64) {
	var cx, cy, total float64
	for _, p := range s.Polys {
		r := p[0]
		var a, x, y float64
		for i := range r {
			j := (i + 1) % len(r)
			f := r[i][0]*r[j][1] - r[j][0]*r[i][1]
			a += f
			x += (r[i][0] + r[j][0]) * f
			y += (r[i][1] + r[j][1]) * f
		}
		if a == 0 {
			continue
		}
		cx += x / 3
		cy += y / 3
		total += a
	}
	if total == 0 {
		return (s.Box.MinLon + s.Box.MaxLon) / 2, (s.Box.MinLat + s.Box.MaxLat) / 2
	}
	return cx / total, cy / total
}

// InteriorPoint returns the centroid when it lies inside the shape, else
// the middle of the widest inside stretch of the horizontal line through
// the largest polygon's vertical middle. A centroid of a crescent-shaped
// ward can fall in the neighbouring ward; this cannot.
func (s *Shape) InteriorPoint() (lon, lat float64) {
	lon, lat = s.Centroid()
	if s.Contains(lon, lat) {
		return lon, lat
	}
	best := -1.0
	for _, p := range s.Polys {
		b := EmptyBox()
		for _, pt := range p[0] {
			b.Extend(pt[0], pt[1])
		}
		for _, frac := range []float64{0.5, 0.37, 0.63, 0.25, 0.75} {
			y := b.MinLat + frac*(b.MaxLat-b.MinLat)
			var xs []float64
			for _, r := range p {
				n := len(r)
				for i, j := 0, n-1; i < n; j, i = i, i+1 {
					yi, yj := r[i][1], r[j][1]
					if (yi > y) != (yj > y) {
						xs = append(xs, r[i][0]+(y-yi)*(r[j][0]-r[i][0])/(yj-yi))
					}
				}
			}
			sort.Float64s(xs)
			for k := 0; k+1 < len(xs); k += 2 {
				if w := xs[k+1] - xs[k]; w > best {
					best = w
					lon, lat = (xs[k]+xs[k+1])/2, y
				}
			}
		}
	}
	return lon, lat
}

// Simplify returns a copy with every ring simplified by Douglas–Peucker at
// tolerance tol degrees and coordinates rounded to 5 decimals (~1 m).
// Rings that would collapse below four positions keep their original
// points (rounded).
func (s *Shape) Simplify(tol float64) *Shape {
	out := &Shape{Box: EmptyBox()}
	for _, p := range s.Polys {
		var np Polygon
		for ri, r := range p {
			sr := simplifyRing(r, tol)
			if len(sr) < 4 {
				if ri == 0 {
					sr = roundRing(r)
				} else {
					continue // a hole too small to matter
				}
			}
			np = append(np, sr)
			if ri == 0 {
				for _, pt := range sr {
					out.Box.Extend(pt[0], pt[1])
				}
			}
		}
		out.Polys = append(out.Polys, np)
	}
	return out
}

func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }

func roundRing(r Ring) Ring {
	out := make(Ring, len(r))
	for i, p := range r {
		out[i] = [2]float64{round5(p[0]), round5(p[1])}
	}
	return out
}

func simplifyRing(r Ring, tol float64) Ring {
	if len(r) < 4 {
		return roundRing(r)
	}
	keep := make([]bool, len(r))
	keep[0], keep[len(r)-1] = true, true
	// Split a closed ring at its farthest point from the start so the
	// recursion has a proper baseline.
	far, fd := 0, -1.0
	for i, p := range r {
		d := math.Hypot(p[0]-r[0][0], p[1]-r[0][1])
		if d > fd {
			far, fd = i, d
		}
	}
	keep[far] = true
	dp(r, 0, far, tol, keep)
	dp(r, far, len(r)-1, tol, keep)
	var out Ring
	for i, p := range r {
		if keep[i] {
			q := [2]float64{round5(p[0]), round5(p[1])}
			if len(out) > 0 && out[len(out)-1] == q {
				continue
			}
			out = append(out, q)
		}
	}
	if len(out) > 0 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

func dp(r Ring, a, b int, tol float64, keep []bool) {
	if b <= a+1 {
		return
	}
	idx, dmax := -1, tol
	for i := a + 1; i < b; i++ {
		if d := segDist(r[i], r[a], r[b]); d > dmax {
			idx, dmax = i, d
		}
	}
	if idx < 0 {
		return
	}
	keep[idx] = true
	dp(r, a, idx, tol, keep)
	dp(r, idx, b, tol, keep)
}

func segDist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	if dx == 0 && dy == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(p[0]-(a[0]+t*dx), p[1]-(a[1]+t*dy))
}

// Points counts all positions.
func (s *Shape) Points() int {
	n := 0
	for _, p := range s.Polys {
		for _, r := range p {
			n += len(r)
		}
	}
	return n
}

// GeoJSON encodes the shape as a compact GeoJSON geometry: a Polygon when
// there is one polygon, else a MultiPolygon.
func (s *Shape) GeoJSON() json.RawMessage {
	b := make([]byte, 0, 16*s.Points()+64)
	num := func(v float64) { b = appendCoord(b, v) }
	poly := func(p Polygon) {
		b = append(b, '[')
		for ri, r := range p {
			if ri > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for i, pt := range r {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, '[')
				num(pt[0])
				b = append(b, ',')
				num(pt[1])
				b = append(b, ']')
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	if len(s.Polys) == 1 {
		b = append(b, `{"type":"Polygon","coordinates":`...)
		poly(s.Polys[0])
	} else {
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range s.Polys {
			if i > 0 {
				b = append(b, ',')
			}
			poly(p)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	return b
}

// Merge returns a shape holding the polygons of both.
func Merge(a, b *Shape) *Shape {
	return &Shape{Polys: append(append([]Polygon{}, a.Polys...), b.Polys...), Box: a.Box.Union(b.Box)}
}

// Encode packs the shape compactly: counts and zig-zag varint deltas of
// coordinates in units of 1e-5 degrees. Decoding it is several times
// faster than parsing GeoJSON, which keeps the pack's start-up short.
func (s *Shape) Encode() []byte {
	b := make([]byte, 0, 4*s.Points()+16)
	b = binary.AppendUvarint(b, uint64(len(s.Polys)))
	for _, p := range s.Polys {
		b = binary.AppendUvarint(b, uint64(len(p)))
		for _, r := range p {
			b = binary.AppendUvarint(b, uint64(len(r)))
			var px, py int64
			for _, pt := range r {
				x, y := int64(math.Round(pt[0]*1e5)), int64(math.Round(pt[1]*1e5))
				b = binary.AppendVarint(b, x-px)
				b = binary.AppendVarint(b, y-py)
				px, py = x, y
			}
		}
	}
	return b
}

var errCorrupt = errors.New("shape: encoded shape is corrupt")

// Decode reverses Encode, checking every count against the bytes left.
func Decode(b []byte) (*Shape, error) {
	uv := func() (int, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > uint64(len(b)) {
			return 0, errCorrupt
		}
		b = b[n:]
		return int(v), nil
	}
	sv := func() (int64, error) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, errCorrupt
		}
		b = b[n:]
		return v, nil
	}
	np, err := uv()
	if err != nil || np == 0 {
		return nil, errCorrupt
	}
	s := &Shape{Polys: make([]Polygon, 0, np), Box: EmptyBox()}
	for range np {
		nr, err := uv()
		if err != nil || nr == 0 {
			return nil, errCorrupt
		}
		poly := make(Polygon, 0, nr)
		for ri := range nr {
			n, err := uv()
			if err != nil || n < 4 {
				return nil, errCorrupt
			}
			ring := make(Ring, n)
			var x, y int64
			for i := range n {
				dx, err := sv()
				if err != nil {
					return nil, err
				}
				dy, err := sv()
				if err != nil {
					return nil, err
				}
				x, y = x+dx, y+dy
				ring[i] = [2]float64{float64(x) / 1e5, float64(y) / 1e5}
				if ri == 0 {
					s.Box.Extend(ring[i][0], ring[i][1])
				}
			}
			poly = append(poly, ring)
		}
		s.Polys = append(s.Polys, poly)
	}
	if len(b) != 0 {
		return nil, errCorrupt
	}
	return s, nil
}

// appendCoord writes v rounded to 5 decimals without strconv's float
// machinery (the pack decodes ~100k coordinates at start-up).
func appendCoord(b []byte, v float64) []byte {
	n := int64(math.Round(v * 1e5))
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/100000, 10)
	frac := n % 100000
	if frac == 0 {
		return b
	}
	var d [6]byte
	d[0] = '.'
	for i := 5; i >= 1; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := 6
	for d[end-1] == '0' {
		end--
	}
	return append(b, d[:end]...)
}
