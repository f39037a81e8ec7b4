package analyze

import (
	"github.com/kaval-desk/kaval/internal/analyze/pii"
	"github.com/kaval-desk/kaval/internal/analyze/place"
	"github.com/kaval-desk/kaval/internal/analyze/simhash"
	"github.com/kaval-desk/kaval/internal/post"
)

// The places, PII and near-duplicate analysers live in their own packages;
// this file is the engine's only contact with them.

type placeFinder interface {
	Find(text string, lat, lon *float64, authorLocation string) []post.Place
}

func loadPlaces() (placeFinder, error) {
	g, err := place.Default()
	if err != nil {
		return nil, err
	}
	return g, nil
}

func findPII(text string) []post.Span { return pii.Find(text) }

func simhashOf(text string) uint64 { return simhash.Of(text) }
