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

// BenchmarkSkeletonSample is skeleton over the Latin words of the sample,
// per post.
func BenchmarkSkeletonSample(b *testing.B) {
	posts, err := devsample.Posts(2000)
	if err != nil {
		b.Fatal(err)
	}
	var words [][]byte
	for _, p := range posts {
		toks, _ := tokenize(p, nil, nil)
		for _, t := range toks {
			if t.latin {
				words = append(words, []byte(p[t.start:t.end]))
			}
		}
	}
	lower := make([][]byte, len(words))
	for i, w := range words {
		for _, c := range w {
			lower[i] = append(lower[i], c|0x20)
		}
	}
	scratch := make([]byte, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, w := range lower {
			s := scratch[:copy(scratch, w)]
			skeleton(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2000, "ns/post")
}
