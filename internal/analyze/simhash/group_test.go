package simhash

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteGroup is single-link grouping by comparing every pair.
func bruteGroup(hs []uint64, dist int) [][]int {
	parent := make([]int, len(hs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	for i := range hs {
		for j := 0; j < i; j++ {
			if hs[i] != 0 && hs[j] != 0 && bits.OnesCount64(hs[i]^hs[j]) <= dist {
				if a, b := find(i), find(j); a != b {
					parent[max(a, b)] = min(a, b)
				}
			}
		}
	}
	by := map[int][]int{}
	for i := range hs {
		if hs[i] != 0 {
			by[find(i)] = append(by[find(i)], i)
		}
	}
	var out [][]int
	for _, g := range by {
		if len(g) > 1 {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

// flip returns h with n distinct random bits flipped.
func flip(r *rand.Rand, h uint64, n int) uint64 {
	for _, b := range r.Perm(64)[:n] {
		h ^= 1 << b
	}
	return h
}

// Group finds exactly the groups comparing every pair finds: chains of
// copies (each a few bits from the last, so the ends are far apart),
// exact copies, hashes of 0, unrelated posts, at several distances.
func TestGroupMatchesEveryPair(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		var hs []uint64
		for range 1 + r.IntN(12) {
			h := r.Uint64()
			for range 1 + r.IntN(8) {
				switch r.IntN(4) {
				case 0:
					hs = append(hs, h) // an exact copy
				case 1:
					hs = append(hs, 0) // no words
				default:
					h = flip(r, h, 1+r.IntN(6)) // a chain: the next copy of the last
					hs = append(hs, h)
				}
			}
		}
		for range r.IntN(50) {
			hs = append(hs, r.Uint64())
		}
		r.Shuffle(len(hs), func(i, j int) { hs[i], hs[j] = hs[j], hs[i] })
		for _, dist := range []int{0, 3, 6, 9} {
			got, want := Group(hs, dist), bruteGroup(hs, dist)
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("round %d, dist %d: %d hashes\ngot  %v\nwant %v", round, dist, len(hs), got, want)
			}
		}
	}
	if g := Group(nil, 6); len(g) != 0 {
		t.Fatalf("no hashes: %v", g)
	}
}

// A 20,000-post room is grouped without comparing every pair: unrelated
// posts, and a wave of copies of 50 messages (each forwarded with one of
// a few small edits), within bounds far below the 200 million pairs.
func TestGroupBounded(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	unrelated := make([]uint64, 20000)
	for i := range unrelated {
		unrelated[i] = r.Uint64()
	}
	g0, n0 := group(unrelated, 6)
	t.Logf("unrelated: %d comparisons", n0)
	if g, n := g0, n0; n > 3_000_000 || len(g) > 50 {
		t.Fatalf("20,000 unrelated posts: %d comparisons, %d groups", n, len(g))
	}
	var wave []uint64
	for range 50 {
		base := r.Uint64()
		variants := []uint64{base, flip(r, base, 1), flip(r, base, 2), flip(r, base, 3)}
		for range 400 {
			wave = append(wave, variants[r.IntN(len(variants))])
		}
	}
	g, n := group(wave, 6)
	t.Logf("wave: %d comparisons", n)
	if n > 100_000 {
		t.Fatalf("a wave of 20,000 copies: %d comparisons", n)
	}
	if len(g) != 50 {
		t.Fatalf("a wave of 50 messages: %d groups", len(g))
	}
}

func BenchmarkGroup20k(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	hs := make([]uint64, 20000)
	for i := range hs {
		if i%2 == 0 {
			hs[i] = r.Uint64()
		} else {
			hs[i] = flip(r, hs[i-1], 2)
		}
	}
	for b.Loop() {
		Group(hs, 6)
	}
}
