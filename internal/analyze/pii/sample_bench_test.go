package pii

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

// BenchmarkFindSample is Find per post over the 2,000-post sample of
// `kaval bench analyze` (ns/op is per post).
func BenchmarkFindSample(b *testing.B) {
	posts, err := devsample.Posts(2000)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Find(posts[i%len(posts)])
		i++
	}
}
