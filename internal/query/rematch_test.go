package query

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// An author edits a post so that it no longer says what a listening query
// looks for (and another so that it does): the matches and the query's
// hourly volume follow the new text, in the edit's transaction; a post
// re-analysed by `kaval reanalyze` is matched again the same way.
func TestEditsAndReanalysisRematch(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
		analyst := principal(t, svc, "anita", auth.RoleAnalyst)
		sup := principal(t, svc, "sunil", auth.RoleSupervisor)
		st := NewStore(db, nil, nil)
		ln := NewListener(db, st, nil)
		now := time.Date(2026, 12, 1, 10, 20, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		model := "v1"
		an := func(p *post.Post) post.Analysis {
			a := post.Analysis{Lang: "en", SimHash: "0000000000000001"}
			if strings.Contains(p.Text, "stolen") || model == "v2" && strings.Contains(p.Text, "missing") {
				a.Categories = []post.Category{{Name: "theft", Score: 0.9}}
			}
			return a
		}
		in := ingest.New(db, nil, ingest.Options{Now: clock, Analyze: an})
		defer in.Close()
		in.SetRematch(ln.Rematch)
		pl := pipeline.New(db, desk.New(db, desk.Options{Now: clock}), nil, an, pipeline.Options{Now: clock, Listener: ln})
		pl.SetRematch(ln.Rematch)
		sq, err := st.Create(as(analyst), analyst, Proposal{Name: "Theft", Query: "category:theft", Purpose: "Thefts across the city, for the stations"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Approve(as(sup), sup, sq.ID, sq.Pending.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := ln.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i, text := range []string{"my phone was stolen at the market", "my bag is missing since the bus ride", "a tree fell on the road"} {
			res, err := in.Submit(ctx, []post.Post{{Platform: post.X, ExternalID: string(rune('a' + i)), Text: text,
				Author: post.Author{ExternalID: "u"}, CreatedAt: now}})
			if err != nil || res[0].Err != nil {
				t.Fatal(err, res)
			}
			ids = append(ids, res[0].ID)
		}
		if err := pl.Process(ctx, ids); err != nil {
			t.Fatal(err)
		}
		counts := func() (matches, volume int) {
			db.Read.QueryRow("SELECT COUNT(*) FROM query_matches WHERE query_id = $1", sq.ID).Scan(&matches)
			db.Read.QueryRow("SELECT COALESCE(SUM(posts), 0) FROM query_volume_hourly WHERE query_id = $1", sq.ID).Scan(&volume)
			return
		}
		if m, v := counts(); m != 1 || v != 1 {
			t.Fatalf("before: %d matches, volume %d", m, v)
		}
		// Edits: the theft becomes a thank-you; the tree post names a theft.
		if err := in.Apply(ctx, []post.Change{{Platform: post.X, ExternalID: "a", Op: post.ChangeEdit, Text: "found my phone, thank you"},
			{Platform: post.X, ExternalID: "c", Op: post.ChangeEdit, Text: "a tree fell and my scooter was stolen"}}); err != nil {
			t.Fatal(err)
		}
		var post3 int64
		db.Read.QueryRow("SELECT post_id FROM query_matches WHERE query_id = $1", sq.ID).Scan(&post3)
		if m, v := counts(); m != 1 || v != 1 || post3 != ids[2] {
			t.Fatalf("after the edits: %d matches (post %d), volume %d", m, post3, v)
		}
		// A new model calls "missing" a theft: reanalysis matches it.
		model = "v2"
		if _, err := pl.Reanalyze(ctx, "reanalyze:v2", 10, nil); err != nil {
			t.Fatal(err)
		}
		if m, v := counts(); m != 2 || v != 2 {
			t.Fatalf("after reanalysis: %d matches, volume %d", m, v)
		}
	})
}
