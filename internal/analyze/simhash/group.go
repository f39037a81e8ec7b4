package simhash

import (
	"cmp"
	"math/bits"
	"slices"
)

// Group returns the groups of at least two hashes that chain within dist
// bits of each other (single link), as indices into hashes, each group in
// increasing order and the groups by their first index. A hash of 0 (no
// words to hash) is in no group.
//
// It does not compare every pair. Equal hashes are joined first, through
// one map lookup each, and only one hash of each value is compared further.
// Candidates are then found by bands: with dist+1 bands of the 64 bits, two
// hashes at most dist bits apart agree on one band at least (pigeonhole),
// so only distinct hashes sharing a band value are compared: 20,000
// unrelated posts (7 bands of 9 or 10 bits at dist 6) cost about 2.7 million
// comparisons instead of the 200 million of every pair, and a wave of
// forwarded copies with one hash costs a map lookup per copy.
func Group(hashes []uint64, dist int) [][]int {
	g, _ := group(hashes, dist)
	return g
}

// group is Group, also returning how many pairs it compared (for tests).
func group(hashes []uint64, dist int) ([][]int, int) {
	parent := make([]int, len(hashes))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(i, j int) {
		if ri, rj := find(i), find(j); ri != rj {
			parent[max(ri, rj)] = min(ri, rj)
		}
	}
	// One representative (the first index) per distinct hash.
	first := make(map[uint64]int, len(hashes))
	var reps []int
	for i, h := range hashes {
		if h == 0 {
			continue
		}
		if f, ok := first[h]; ok {
			union(f, i)
			continue
		}
		first[h] = i
		reps = append(reps, i)
	}
	compared := 0
	if dist >= 0 && len(reps) > 1 {
		// The bands share the 64 bits evenly (7 bands: one of 10 bits,
		// six of 9): a narrow last band (64 = 6×10 + 4) would put every
		// hash in one of 16 buckets, and compare most pairs again.
		bands := min(dist+1, 64)
		type keyed struct {
			k uint64
			i int
		}
		band := make([]keyed, len(reps))
		shift := 0
		for b := 0; b < bands; b++ {
			w := 64 / bands
			if b < 64%bands {
				w++
			}
			mask := ^uint64(0)
			if w < 64 {
				mask = uint64(1)<<w - 1
			}
			// Sorted by the band's bits, the hashes sharing them are runs.
			for x, i := range reps {
				band[x] = keyed{hashes[i] >> shift & mask, i}
			}
			slices.SortFunc(band, func(a, b keyed) int { return cmp.Compare(a.k, b.k) })
			for lo := 0; lo < len(band); {
				hi := lo + 1
				for hi < len(band) && band[hi].k == band[lo].k {
					hi++
				}
				for x := lo; x < hi; x++ {
					for y := x + 1; y < hi; y++ {
						compared++
						if bits.OnesCount64(hashes[band[x].i]^hashes[band[y].i]) <= dist {
							union(band[x].i, band[y].i)
						}
					}
				}
				lo = hi
			}
			shift += w
		}
	}
	byRoot := map[int][]int{}
	for i, h := range hashes {
		if h != 0 {
			r := find(i)
			byRoot[r] = append(byRoot[r], i)
		}
	}
	var out [][]int
	for _, g := range byRoot {
		if len(g) >= 2 {
			out = append(out, g) // indices were appended in order
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out, compared
}
