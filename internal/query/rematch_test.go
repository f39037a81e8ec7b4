package query

import (
	"context"
	"database/sql"
	"fmt"
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

// countingTx counts the statements a rematch writes with.
type countingTx struct {
	*sql.Tx
	execs int
}

func (c *countingTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.execs++
	return c.Tx.ExecContext(ctx, q, args...)
}

// Rematching 2,200 edited posts (1,100 matches gone, 1,100 new, over
// three hours) leaves exactly the matches and hourly volumes the new
// texts make, in a handful of statements of batchRows rows: not one
// statement per match gone or added.
func TestRematchBatched(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 2200
		ln, sq, ids := rematchDesk(t, db, n)
		perHour := func() map[int64]int64 {
			out := map[int64]int64{}
			rows, err := db.Read.Query("SELECT hour, posts FROM query_volume_hourly WHERE query_id = $1", sq.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var h, c int64
				rows.Scan(&h, &c)
				if c != 0 {
					out[h] = c
				}
			}
			return out
		}
		matched := func() (odd, even int) {
			db.Read.QueryRow(`SELECT COALESCE(SUM(CASE WHEN p.external_id IN (SELECT external_id FROM posts WHERE text LIKE 'a tree%') THEN 1 ELSE 0 END), 0),
				COUNT(*) FROM query_matches m JOIN posts p ON p.id = m.post_id WHERE m.query_id = $1`, sq.ID).Scan(&odd, &even)
			return odd, even - odd
		}
		if odd, even := matched(); odd != 0 || even != n/2 {
			t.Fatalf("before: %d odd and %d even posts matched", odd, even)
		}
		before := perHour()
		// Every post's text changes: the thefts become thank-yous, the
		// trees thefts.
		if _, err := db.Write.Exec(`UPDATE posts SET text = CASE WHEN text LIKE 'a tree%' THEN 'my scooter was stolen' ELSE 'found my phone, thank you' END`); err != nil {
			t.Fatal(err)
		}
		c := &countingTx{}
		if err := db.BackgroundTx(ctx, func(tx *sql.Tx) error {
			c.Tx = tx
			return ln.rematch(ctx, c, ids)
		}); err != nil {
			t.Fatal(err)
		}
		var odd, total int
		db.Read.QueryRow(`SELECT COALESCE(SUM(CASE WHEN p.text = 'my scooter was stolen' THEN 1 ELSE 0 END), 0), COUNT(*)
			FROM query_matches m JOIN posts p ON p.id = m.post_id WHERE m.query_id = $1`, sq.ID).Scan(&odd, &total)
		if odd != n/2 || total != n/2 {
			t.Fatalf("after: %d matches, %d of them the edited thefts (want %d)", total, odd, n/2)
		}
		// The volume per hour is the new matches': the same three hours
		// here (the odd and even posts spread over them alike).
		after := perHour()
		if len(after) != 3 || len(before) != 3 {
			t.Fatalf("hourly volume: before %v, after %v", before, after)
		}
		var sum int64
		for h, v := range after {
			sum += v
			if v < 300 {
				t.Fatalf("hour %d: %d", h, v)
			}
		}
		if sum != n/2 {
			t.Fatalf("volume %d for %d matches: %v", sum, n/2, after)
		}
		// Per batch of batchRows: the deletes, the inserts; and the volumes.
		if most := 2*(n/2+batchRows-1)/batchRows + 1; c.execs > most {
			t.Fatalf("%d statements to rematch %d matches gone and %d new", c.execs, n/2, n/2)
		}
	})
}

// rematchDesk puts n posts on a desk with one approved query, "stolen",
// which the even posts match, created over three hours.
func rematchDesk(t testing.TB, db *store.DB, n int) (*Listener, Saved, []int64) {
	ctx := context.Background()
	svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	analyst := principal(t, svc, "anita", auth.RoleAnalyst)
	sup := principal(t, svc, "sunil", auth.RoleSupervisor)
	st := NewStore(db, nil, nil)
	ln := NewListener(db, st, nil)
	now := time.Date(2026, 12, 1, 10, 20, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	an := func(p *post.Post) post.Analysis { return post.Analysis{Lang: "en"} }
	in := ingest.New(db, nil, ingest.Options{Now: clock, Analyze: an})
	defer in.Close()
	pl := pipeline.New(db, desk.New(db, desk.Options{Now: clock}), nil, an, pipeline.Options{Now: clock, Listener: ln})
	sq, err := st.Create(as(analyst), analyst, Proposal{Name: "Stolen", Query: "stolen", Purpose: "Thefts across the city, for the stations"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Approve(as(sup), sup, sq.ID, sq.Pending.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := ln.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	var ps []post.Post
	for i := range n {
		text := fmt.Sprintf("my phone was stolen at stall %d", i)
		if i%2 == 1 {
			text = fmt.Sprintf("a tree fell on road %d", i)
		}
		ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("p", i), Text: text,
			Author: post.Author{ExternalID: fmt.Sprint("u", i)}, CreatedAt: now.Add(-time.Duration(i%3) * time.Hour)})
	}
	var ids []int64
	for lo := 0; lo < n; lo += 500 {
		res, err := in.Submit(ctx, ps[lo:min(lo+500, n)])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			ids = append(ids, r.ID)
		}
	}
	if err := pl.Process(ctx, ids); err != nil {
		t.Fatal(err)
	}
	return ln, sq, ids
}
