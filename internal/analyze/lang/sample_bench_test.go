package lang

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

func samplePosts(b *testing.B) []string {
	posts, err := devsample.Posts(2000)
	if err != nil {
		b.Fatal(err)
	}
	return posts
}

// BenchmarkMarkersSample and BenchmarkCountSample are Markers and Count
// per post over the 2,000-post sample of `kaval bench analyze`.
func BenchmarkMarkersSample(b *testing.B) {
	posts := samplePosts(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Markers(posts[i%len(posts)])
		i++
	}
}

func BenchmarkCountSample(b *testing.B) {
	posts := samplePosts(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Count(posts[i%len(posts)])
		i++
	}
}
