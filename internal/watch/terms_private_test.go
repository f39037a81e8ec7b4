package watch

import (
	"context"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// A private conversation is counted in the volumes but its words never
// reach the term dashboards, on both stores.
func TestPrivateWordsNotCounted(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
		in := ingest.New(db, nil, ingest.Options{Now: func() time.Time { return now },
			Analyze: func(*post.Post) post.Analysis { return post.Analysis{Lang: "en"} }})
		defer in.Close()
		res, err := in.Submit(ctx, []post.Post{
			{Platform: post.X, ExternalID: "1", Kind: post.KindMention, Text: "openword at the junction",
				Author: post.Author{ExternalID: "a1"}, CreatedAt: now},
			{Platform: post.WhatsApp, ExternalID: "2", Kind: post.KindDirectMessage, Private: true,
				Text: "zarquonword told you in confidence", Author: post.Author{ExternalID: "919800000000"}, CreatedAt: now},
			{Platform: post.X, ExternalID: "3", Kind: post.KindDirectMessage, Private: true,
				Text: "zarquonword in an X direct message", Author: post.Author{ExternalID: "a3"}, CreatedAt: now},
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{res[0].ID, res[1].ID, res[2].ID}
		tx, err := db.Write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := (Rollup{}).Listen(ctx, tx, ids); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		count := func(term string) (n int64) {
			db.Read.QueryRow("SELECT COALESCE(SUM(posts), 0) FROM term_daily WHERE kind = 'word' AND term = $1", term).Scan(&n)
			return n
		}
		if got := count("openword"); got != 1 {
			t.Fatalf("a public post's word counted %d times, want 1", got)
		}
		if got := count("zarquonword"); got != 0 {
			t.Fatalf("a private message's word counted %d times, want 0", got)
		}
		var all int64
		db.Read.QueryRow("SELECT COALESCE(SUM(posts), 0) FROM volume_hourly WHERE dim = $1", DimAll).Scan(&all)
		if all != 3 {
			t.Fatalf("volume counted %d posts, want 3 (private ones too)", all)
		}
	})
}
