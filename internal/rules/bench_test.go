package rules

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

// BenchmarkJudge200 judges one post against 200 enabled rules (a mix of
// field conditions and listening queries, as a busy desk might keep),
// none of which reads the database: the per-post cost the rules add to
// the pipeline besides reading the post's case (one indexed row).
func BenchmarkJudge200(b *testing.B) {
	env, err := query.DefaultEnv()
	if err != nil {
		b.Fatal(err)
	}
	var rs []*compiled
	for i := range 200 {
		r := Rule{ID: int64(i + 1), Name: fmt.Sprint("r", i), Actions: Actions{Tags: []string{"t"}}}
		switch i % 4 {
		case 0:
			r.Conditions.Categories = []string{"theft", "harassment"}
			r.Conditions.MinUrgency = 50
		case 1:
			r.Conditions.Query = fmt.Sprintf(`"chain snatching" OR snatch%d* OR #blr%d`, i, i)
		case 2:
			r.Conditions.Platforms = []string{post.X, post.Facebook}
			r.Conditions.FromHour, r.Conditions.ToHour = 22, 6
		case 3:
			r.Conditions.Languages = []string{"kn"}
			r.Conditions.Query = fmt.Sprintf("traffic AND jam%d", i)
		}
		c, err := check(&r, env)
		if err != nil {
			b.Fatal(err)
		}
		rs = append(rs, c)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p := &post.Post{ID: 1, Platform: post.X, Text: "Chain snatching near Forum mall Koramangala just now, two men on a bike #blr",
		CreatedAt: now, Analysis: &post.Analysis{Lang: "en", Urgency: 70, Categories: []post.Category{{Name: "theft", Score: 0.9}}}}
	cs := &caseRow{id: 1, createdAt: now, priority: 3}
	ctx := context.Background()
	set := compileSet(rs)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pq := &postQueries{set: set, p: p}
		for _, r := range rs {
			if _, err := matches(ctx, nil, r, p, cs, now, pq); err != nil {
				b.Fatal(err)
			}
		}
		pq.release()
	}
}
