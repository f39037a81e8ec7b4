package rules

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
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

// BenchmarkListenRaise: a pipeline chunk of 100 posts that one rule with
// the raise-an-alert action matches (a theft wave), judged in one
// transaction: the alert is raised once for the chunk, not read and
// updated per post.
func BenchmarkListenRaise(b *testing.B) {
	db := store.NewTestSQLite(b)
	e := setup(b, db)
	ctx := context.Background()
	e.eng.SetAlerter(alert.New(db, alert.Options{Now: func() time.Time { return e.now }}))
	e.rule(Rule{Name: "Theft wave", Conditions: Conditions{Categories: []string{"theft"}},
		Actions: Actions{Alert: &AlertAction{Severity: alert.Warning}}})
	var ps []post.Post
	for i := range 100 {
		ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("w", i), Text: fmt.Sprintf("my phone was stolen at the market, stall %d", i),
			Author: post.Author{ExternalID: fmt.Sprint("a", i)}, ThreadID: fmt.Sprint("w", i), CreatedAt: e.now})
	}
	res, err := e.in.Submit(ctx, ps)
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for _, r := range res {
		ids = append(ids, r.ID)
	}
	if err := e.pl.Process(ctx, ids); err != nil { // threads the posts into cases
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		// The runs are what stop a rule acting twice on a post: cleared,
		// each round judges and raises anew.
		if err := db.BackgroundTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "DELETE FROM rule_runs"); err != nil {
				return err
			}
			return e.eng.Listen(ctx, tx, ids)
		}); err != nil {
			b.Fatal(err)
		}
	}
}
