package ingest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// BenchmarkSubmitParallel measures webhook-style intake: many concurrent
// single-post submissions, each returning only once durable and indexed.
func BenchmarkSubmitParallel(b *testing.B) {
	db := store.NewTestSQLite(b)
	in := New(db, nil, Options{})
	defer in.Close()
	var seq atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			p := post.Post{Platform: "x", ExternalID: fmt.Sprint(i), Author: post.Author{ExternalID: "a", Handle: "citizen"},
				Text: fmt.Sprintf("Chain snatching near Jayanagar 4th block %d, ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ please help @BlrCityPolice", i)}
			if _, err := in.Submit(context.Background(), []post.Post{p}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkSubmitBatch measures poller-style intake: batches of 500.
func BenchmarkSubmitBatch(b *testing.B) {
	db := store.NewTestSQLite(b)
	in := New(db, nil, Options{})
	defer in.Close()
	const size = 500
	batch := make([]post.Post, size)
	b.ResetTimer()
	for n := 0; n < b.N; n += size {
		for i := range batch {
			batch[i] = post.Post{Platform: "x", ExternalID: fmt.Sprint(n + i), Author: post.Author{ExternalID: "a", Handle: "citizen"},
				Text: fmt.Sprintf("Chain snatching near Jayanagar 4th block %d, ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ please help @BlrCityPolice", n+i)}
		}
		if _, err := in.Submit(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
