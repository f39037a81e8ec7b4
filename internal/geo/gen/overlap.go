package main

import (
	"math"
	"sort"

	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/geo/shape"
)

// overlap routes an area (a ward, a village, a pincode area) by the parts
// of it that each law-and-order station's boundary covers, measured on a
// grid of points inside the area (at least ~400 of them, about 50 m apart
// in a small ward). A ward named in a post may lie in two stations; its
// one interior point said only one.
type overlap struct{ pack *geo.Pack }

func (b *builder) overlapper() (*overlap, error) {
	p, err := geo.New(b.units, nil, nil)
	if err != nil {
		return nil, err
	}
	return &overlap{pack: p}, nil
}

// shares returns the stations holding at least 5% of s, largest first,
// or nil when one station holds 95% or more of it.
func (o *overlap) shares(s *shape.Shape) []geo.Share {
	box := s.Box
	count := map[string]int{}
	total := 0
	for n := 24; n <= 96 && total < 400; n *= 2 {
		clear(count)
		total = 0
		dx, dy := (box.MaxLon-box.MinLon)/float64(n), (box.MaxLat-box.MinLat)/float64(n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				x, y := box.MinLon+(float64(i)+0.5)*dx, box.MinLat+(float64(j)+0.5)*dy
				if !s.Contains(x, y) {
					continue
				}
				total++
				if st := o.pack.Locate(y, x).Station; st != "" {
					count[st]++
				}
			}
		}
	}
	if total == 0 {
		return nil
	}
	var out []geo.Share
	for st, c := range count {
		if f := float64(c) / float64(total); f >= 0.05 {
			out = append(out, geo.Share{Station: st, Part: math.Round(f*100) / 100})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Part != out[j].Part {
			return out[i].Part > out[j].Part
		}
		return out[i].Station < out[j].Station
	})
	if len(out) == 1 && out[0].Part >= 0.95 {
		return nil
	}
	return out
}
