package watch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// The rollups the pipeline keeps agree with counting the posts table, on
// both stores, including when a batch is delivered twice; the volume
// series fills quiet hours with zeros and sums the values after the top.
func TestRollupsMatchThePosts(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
		platforms := []string{post.X, post.Facebook, post.Telegram}
		cats := []string{"theft", "traffic_parking", ""}
		in := ingest.New(db, nil, ingest.Options{Now: func() time.Time { return now }, Analyze: func(p *post.Post) post.Analysis {
			var i int
			fmt.Sscan(p.ExternalID, &i)
			a := post.Analysis{Lang: []string{"en", "kn"}[i%2], Sentiment: post.Sentiment{Label: []string{"negative", "neutral", "positive"}[i%3]}, SimHash: "0000000000000001"}
			if c := cats[i%3]; c != "" {
				a.Categories = []post.Category{{Name: c, Score: 0.9}}
			}
			return a
		}})
		defer in.Close()
		var ps []post.Post
		for i := 0; i < 90; i++ {
			ps = append(ps, post.Post{Platform: platforms[i%3], ExternalID: fmt.Sprint(i), Text: "x", Author: post.Author{ExternalID: fmt.Sprint("a", i%7)},
				CreatedAt: now.Add(-time.Duration(i) * 17 * time.Minute)})
		}
		res, err := in.Submit(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range res {
			ids = append(ids, r.ID)
		}
		pl := pipeline.New(db, desk.New(db, desk.Options{Now: func() time.Time { return now }}), nil, nil,
			pipeline.Options{Now: func() time.Time { return now }, Listener: pipeline.Listeners{Rollup{}}})
		if err := pl.Process(ctx, ids); err != nil {
			t.Fatal(err)
		}
		if err := pl.Process(ctx, ids); err != nil { // redelivered: counted once
			t.Fatal(err)
		}
		for _, by := range []string{DimAll, DimPlatform, DimCategory, DimSentiment, DimLang, DimStation} {
			v, err := ReadVolume(ctx, db, VolumeFilter{By: by, Since: now.Add(-30 * time.Hour), Until: now.Add(time.Hour), Top: 2})
			if err != nil {
				t.Fatal(err)
			}
			if v.Total != 90 || len(v.Series[0].Points) != 32 { // 04:00 to 11:30, the last hour partial
				t.Fatalf("%s: total %d, %d points", by, v.Total, len(v.Series[0].Points))
			}
			q := fmt.Sprintf("SELECT %s, COUNT(*) FROM posts GROUP BY %s", by, by)
			if by == DimAll {
				q = "SELECT '', COUNT(*) FROM posts"
			}
			want := map[string]int64{}
			rows, err := db.Read.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var k string
				var n int64
				rows.Scan(&k, &n)
				want[k] = n
			}
			rows.Close()
			var other int64
			for _, s := range v.Series {
				var sum int64
				for _, p := range s.Points {
					sum += p.Posts
				}
				if sum != s.Total {
					t.Fatalf("%s %q: points sum %d, total %d", by, s.Value, sum, s.Total)
				}
				if s.Other {
					other = s.Total
					continue
				}
				if want[s.Value] != s.Total {
					t.Fatalf("%s %q: rollup %d, posts %d", by, s.Value, s.Total, want[s.Value])
				}
				delete(want, s.Value)
			}
			var rest int64
			for _, n := range want {
				rest += n
			}
			if rest != other {
				t.Fatalf("%s: other %d, want %d", by, other, rest)
			}
			// The daily rollups hold the same counts.
			d, err := ReadVolume(ctx, db, VolumeFilter{By: by, Since: now.Add(-30 * time.Hour), Until: now.Add(time.Hour), Top: 50, Interval: "day"})
			if err != nil {
				t.Fatal(err)
			}
			hv, _ := ReadVolume(ctx, db, VolumeFilter{By: by, Since: d.Since, Until: now.Add(time.Hour), Top: 50})
			if d.Total != 90 || len(d.Series) != len(hv.Series) || len(d.Series[0].Points) != 2 {
				t.Fatalf("%s by day: %+v", by, d)
			}
			for i := range d.Series {
				if d.Series[i].Value != hv.Series[i].Value || d.Series[i].Total != hv.Series[i].Total {
					t.Fatalf("%s: by day %+v, by hour %+v", by, d.Series[i], hv.Series[i])
				}
			}
		}
		if _, err := ReadVolume(ctx, db, VolumeFilter{By: "author"}); err == nil {
			t.Fatal("unknown dimension accepted")
		}
	})
}

// A query whose matches jump above its usual hour is reported; a quiet
// one is not.
func TestQuerySpikesOnTheStore(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := auth.New(db, auth.Config{Hash: auth.TestHashParams})
		mk := func(name string, role auth.Role) *auth.Principal {
			u, _, err := svc.CreateUser(ctx, auth.NewUser{Username: name, Role: role, Password: "a long enough password 1"})
			if err != nil {
				t.Fatal(err)
			}
			return &auth.Principal{UserID: u.ID, Username: name, Role: role, Perms: auth.PermsOf(role)}
		}
		analyst, sup := mk("anita", auth.RoleAnalyst), mk("sunil", auth.RoleSupervisor)
		qs := query.NewStore(db, nil, nil)
		var ids []int64
		for _, name := range []string{"Snatching", "Traffic"} {
			sq, err := qs.Create(auth.WithPrincipal(ctx, analyst), analyst, query.Proposal{Name: name, Query: name, Purpose: "A purpose long enough for the test"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := qs.Approve(auth.WithPrincipal(ctx, sup), sup, sq.ID, sq.Pending.ID, ""); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, sq.ID)
		}
		// Both listened for 10 days before "now" (approval time moved back).
		now := time.Now()
		back := store.Millis(now.Add(-10 * 24 * time.Hour))
		if _, err := db.Write.Exec("UPDATE listening_query_revisions SET decided_at = $1", back); err != nil {
			t.Fatal(err)
		}
		cur := store.Millis(now) - store.Millis(now)%hourMs
		for h := cur - 10*24*hourMs; h < cur; h += hourMs {
			for _, id := range ids {
				if _, err := db.Write.Exec("INSERT INTO query_volume_hourly (query_id, hour, posts) VALUES ($1, $2, 3)", id, h); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Now: the first query has 40 matches in the current hour, the
		// second its usual 3.
		if _, err := db.Write.Exec("INSERT INTO query_volume_hourly (query_id, hour, posts) VALUES ($1, $2, 40), ($3, $2, 3)", ids[0], cur, ids[1]); err != nil {
			t.Fatal(err)
		}
		spikes, err := QuerySpikes(ctx, db, qs, now, SpikeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(spikes) != 1 || spikes[0].QueryID != ids[0] || spikes[0].Observed != 40 {
			t.Fatalf("spikes: %+v", spikes)
		}
		v, err := ReadVolume(ctx, db, VolumeFilter{Query: ids[0], Since: now.Add(-48 * time.Hour), Until: now, Interval: "day"})
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		db.Read.QueryRow("SELECT SUM(posts) FROM query_volume_hourly WHERE query_id = $1 AND hour >= $2 AND hour < $3",
			ids[0], store.Millis(v.Since), store.Millis(now)).Scan(&want)
		if v.By != "query" || v.Total != want || want < 40 || len(v.Series) != 1 || len(v.Series[0].Points) != 3 {
			t.Fatalf("query volume: %+v, want total %d", v, want)
		}
	})
}
