package ingest

import (
	"context"
	"fmt"
	"strings"
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

// BenchmarkCommitSize measures one group commit of n WhatsApp-sized posts
// (raw payload and analysis JSON included) on SQLite, per post: the fixed
// cost of a commit against the cost of a row, which is what gather trades
// a millisecond of latency for.
func BenchmarkCommitSize(b *testing.B) {
	raw := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1"},"contacts":[{"profile":{"name":"Ravi"},"wa_id":"919800000000"}],"messages":[{"from":"919800000000","id":"wamid.XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","timestamp":"1700000000","type":"text","text":{"body":"` + strings.Repeat("chain snatching near jayanagar ", 6) + `"}}]}}]}]}`
	an := `{"lang":"en","script":"Latn","code_mixed":false,"sentiment":{"label":"negative","score":-0.6},"offensive":{"label":false,"score":0.1},"emergency":{"label":true,"score":0.8},"complaint":{"label":true,"score":0.7},"categories":[{"name":"theft_snatching","score":0.9}],"urgency":70,"places":[{"text":"jayanagar","start":10,"end":19,"ward":"Jayanagar","station":"Jayanagar PS","traffic_station":"Jayanagar Traffic PS","lat":12.9,"lon":77.5,"confidence":0.9}],"station":"Jayanagar PS","traffic_station":"Jayanagar Traffic PS","pii":[],"simhash":"0123456789abcdef"}`
	for _, size := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			db := store.NewTestSQLite(b)
			in := New(db, nil, Options{})
			defer in.Close()
			seq := 0
			b.ResetTimer()
			for n := 0; n < b.N; n += size {
				batch := make([]post.Post, size)
				for i := range batch {
					seq++
					batch[i] = post.Post{Platform: "whatsapp", ExternalID: fmt.Sprintf("wamid.%020d", seq), Author: post.Author{ExternalID: fmt.Sprint(919800000000 + seq%5000), Name: "Ravi"},
						Kind: "dm", Channel: "1", ThreadID: fmt.Sprint(919800000000 + seq%5000),
						Text: strings.Repeat("chain snatching near jayanagar ", 6), Raw: []byte(raw)}
				}
				r := &request{posts: batch, res: make([]Result, size), body: make([]string, size), an: make([][]any, size), err: make(chan error, 1)}
				for i := range batch {
					if err := Normalise(&batch[i], in.opt.Now().UTC()); err != nil {
						b.Fatal(err)
					}
					r.idx = append(r.idx, i)
					r.an[i] = []any{an, "en", "negative", "theft_snatching", "Jayanagar PS", "Jayanagar Traffic PS", 70, 1, 0, int64(seq) * 7919}
				}
				in.commit([]*request{r})
				if err := <-r.err; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/post")
		})
	}
}
