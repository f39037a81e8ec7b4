package pipeline

import (
	"context"
	"fmt"
	"testing"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// BenchmarkThreading measures the desk stage alone (claim, author, case,
// timeline, analysis columns) with a trivial analyzer, in batches of 1000
// as the bus delivers them.
func BenchmarkThreading(b *testing.B) {
	db := store.NewTestSQLite(b)
	t := &testing.T{}
	e := setup(t, db)
	var posts []post.Post
	for i := range b.N {
		p := mention(fmt.Sprint(i), fmt.Sprint("u", i%5000), "help in Jayanagar")
		p.CreatedAt = e.now
		posts = append(posts, p)
	}
	for i := 0; i < len(posts); i += 1000 {
		if _, err := e.in.Submit(context.Background(), posts[i:min(i+1000, len(posts))]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	if err := e.pl.Sweep(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
