package normalize

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

// BenchmarkFoldedSample is Folded per post over the 2,000-post sample of
// `kaval bench analyze` (simhash and places call it on non-ASCII posts).
func BenchmarkFoldedSample(b *testing.B) {
	posts, err := devsample.Posts(2000)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Folded(posts[i%len(posts)])
		i++
	}
}
