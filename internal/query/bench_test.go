package query

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/devsample"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// benchQueries builds n listening queries of the shapes a desk writes:
// words and phrases in English, Kannada and Hindi (native and romanised),
// wildcards, NEAR, hashtags, handles and fields, with AND/OR/NOT.
func benchQueries(tb testing.TB, n int) []*Query {
	words := []string{"theft", "stolen", "snatch*", "robbery", "fraud", "scam*", "otp", "upi", "accident", "traffic", "jam",
		"signal", "parking", "fire", "flood*", "water", "rain", "drunk", "harass*", "stalking", "missing", "child", "police",
		"bribe", "help", "please", "urgent", "protest", "riot*", "rumour", "fake", "drugs", "ganja", "noise", "loudspeaker",
		"ಕಳ್ಳತನ", "ಅಪಘಾತ", "ಟ್ರಾಫಿಕ್", "ಮಳೆ", "ಪೊಲೀಸ್", "ಸಹಾಯ", "ಬೆಂಕಿ", "ವಂಚನೆ", "चोरी", "मदद", "पुलिस", "आग",
		"kallatana", "sahaya", "chori", "madad", "bachao", "koramangala", "jayanagar", "whitefield", "silk", "hebbal"}
	phrases := []string{`"chain snatching"`, `"traffic jam"`, `"fake news"`, `"drunk driving"`, `"missing child"`, `"water logging"`,
		`"silk board"`, `"outer ring road"`, `"otp fraud"`, `"please help"`}
	fields := []string{"lang:kn", "lang:en", "lang:hi", "platform:x", "platform:facebook", "category:theft", "category:traffic_parking",
		"category:cybercrime_fraud", "sentiment:negative", "urgency>60", "emergency:true", `station:"Adugodi PS"`,
		`station:"Koramangala PS"`, "near:Koramangala", "near:Whitefield~3km"}
	tags := []string{"#bengalururains", "#blrtraffic", "#ನಮ್ಮಬೆಂಗಳೂರು", "@blrcitypolice", "@blrcitytraffic"}
	r := rand.New(rand.NewPCG(14, 200))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var qs []*Query
	for len(qs) < n {
		var s string
		switch len(qs) % 8 {
		case 0:
			s = pick(words) + " OR " + pick(words) + " OR " + pick(phrases)
		case 1:
			s = "(" + pick(words) + " OR " + pick(words) + ") " + pick(fields)
		case 2:
			s = pick(phrases) + " AND NOT " + pick(words)
		case 3:
			s = pick(words) + " NEAR/3 " + pick(words)
		case 4:
			s = pick(tags) + " OR " + pick(words) + " " + pick(fields)
		case 5:
			s = pick(fields) + " " + pick(fields) + " (" + pick(words) + " OR " + pick(words) + " OR " + pick(words) + ")"
		case 6:
			s = pick(words) + " " + pick(words)
		case 7:
			s = "(" + pick(phrases) + " OR " + pick(tags) + ") AND NOT " + pick(fields)
		}
		q, err := Parse(s)
		if err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
		qs = append(qs, q)
	}
	return qs
}

// benchPosts are real posts (../shared/data) with the engine's analysis.
func benchPosts(b *testing.B, n int) []*post.Post {
	texts, err := devsample.Posts(n)
	if err != nil {
		b.Skip(err)
	}
	eng, err := analyze.Default()
	if err != nil {
		b.Fatal(err)
	}
	ps := make([]*post.Post, len(texts))
	for i, t := range texts {
		p := &post.Post{Platform: post.X, Text: t, Author: post.Author{Handle: fmt.Sprintf("user%d", i)}}
		a := eng.Analyze(analyze.Input{Text: t, Platform: p.Platform})
		p.Analysis = &a
		ps[i] = p
	}
	return ps
}

// BenchmarkMatch200 is one post against 200 queries: preparing the post
// (folding, words) and evaluating every query. ns/post/query is the
// figure the issue bounds (≤ 2 µs).
func BenchmarkMatch200(b *testing.B) {
	posts := benchPosts(b, 2000)
	set := Compile(make([]int64, 200), benchQueries(b, 200))
	var out []int64
	matched := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := NewDoc(posts[i%len(posts)])
		out = set.Match(d, out[:0])
		matched += len(out)
		d.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/200, "ns/post/query")
	b.ReportMetric(float64(matched)/float64(b.N), "matches/post")
}

// BenchmarkMatch1 is one post against one query (the history filter's
// final check per row).
func BenchmarkMatch1(b *testing.B) {
	posts := benchPosts(b, 2000)
	set := Compile([]int64{1}, benchQueries(b, 1))
	var out []int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := NewDoc(posts[i%len(posts)])
		out = set.Match(d, out[:0])
		d.Release()
	}
}

// BenchmarkRematch: 2,000 edited posts matched again in one transaction,
// every one of them changing its match (1,000 gone, 1,000 new): the
// statements are batched by batchRows rows, as Listen's are.
func BenchmarkRematch(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var db *store.DB
			if dialect == "sqlite" {
				db = store.NewTestSQLite(b)
			} else {
				db = store.NewTestPostgres(b)
			}
			ln, _, ids := rematchDesk(b, db, 2000)
			ctx := context.Background()
			// Every round swaps which posts say "stolen".
			flip := `UPDATE posts SET text = CASE WHEN text LIKE 'a tree%' THEN 'my scooter was stolen' ELSE 'a tree fell on the road' END`
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				if _, err := db.Write.Exec(flip); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := db.BackgroundTx(ctx, func(tx *sql.Tx) error { return ln.Rematch(ctx, tx, ids) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
