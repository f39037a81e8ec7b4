package place

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

// BenchmarkFindSample is places.Find per post over the 2,000-post sample
// of `kaval bench analyze` (ns/op is per post).
func BenchmarkFindSample(b *testing.B) {
	posts, err := devsample.Posts(2000)
	if err != nil {
		b.Fatal(err)
	}
	g := gaz(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.Find(posts[i%len(posts)], nil, nil, "")
		i++
	}
}
