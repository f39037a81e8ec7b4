package analyze

import (
	"hash/fnv"

	"github.com/kaval-desk/kaval/internal/post"
)

// The places, PII and near-duplicate analysers are built in their own
// packages (internal/analyze/place, pii, simhash). Until they land this
// file supplies no places, no PII and a plain 64-bit FNV in place of the
// SimHash, so the engine's contract holds; it is replaced by the real
// wiring when they are committed.

type placeFinder interface {
	Find(text string, lat, lon *float64, authorLocation string) []post.Place
}

func loadPlaces() (placeFinder, error) { return nil, nil }

func findPII(text string) []post.Span { return nil }

func simhashOf(text string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(text))
	return h.Sum64()
}
