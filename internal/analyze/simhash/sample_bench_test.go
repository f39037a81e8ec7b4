package simhash

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

// BenchmarkOfSample is Of per post over the 2,000-post sample of
// `kaval bench analyze` (ns/op is per post).
func BenchmarkOfSample(b *testing.B) {
	posts, err := devsample.Posts(2000)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Of(posts[i%len(posts)])
		i++
	}
}
