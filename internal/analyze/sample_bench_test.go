package analyze

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

// BenchmarkAnalyzeSample is the whole chain per post over the 2,000-post
// sample of `kaval bench analyze` (ns/op is per post). Compare builds by
// CPU time on a loaded machine:
//
//	go test -c -o /tmp/a.test ./internal/analyze
//	/usr/bin/time -f %U taskset -c 1 /tmp/a.test -test.run XXX -test.bench AnalyzeSample -test.benchtime 200000x
func BenchmarkAnalyzeSample(b *testing.B) {
	posts, err := devsample.Posts(2000)
	if err != nil {
		b.Fatal(err)
	}
	e, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		e.Analyze(Input{Text: posts[i%len(posts)]})
		i++
	}
}
