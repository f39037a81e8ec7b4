package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// dashPosts puts 60 analysed posts on the desk over the last 50 hours:
// three stations (one not in the units table), a third negative, every
// fourth an emergency, every other one addressed to the force.
func dashPosts(t *testing.T, db *store.DB, now time.Time) {
	ctx := context.Background()
	sq := json.RawMessage(`{"type":"Polygon","coordinates":[[[77.6,12.9],[77.61,12.9],[77.61,12.91],[77.6,12.9]]]}`)
	if _, err := unit.NewStore(db).Upsert(ctx, []unit.Unit{
		{Code: "blr", Kind: "force", Name: "Bengaluru City Police"},
		{Code: "blr/ps/adugodi", Kind: "station", Name: "Adugodi PS", NameKn: "ಆಡುಗೋಡಿ ಪೊಲೀಸ್ ಠಾಣೆ", ParentCode: "blr", Geometry: sq},
		{Code: "blr/ps/halasuru", Kind: "station", Name: "Halasuru PS", ParentCode: "blr", Geometry: sq},
		{Code: "blr/ps/quiet", Kind: "station", Name: "Quiet PS", ParentCode: "blr"},
	}); err != nil {
		t.Fatal(err)
	}
	stations := []string{"Adugodi PS", "Halasuru PS", "Gone PS"}
	in := ingest.New(db, nil, ingest.Options{Now: func() time.Time { return now }, Analyze: func(p *post.Post) post.Analysis {
		var i int
		fmt.Sscan(p.ExternalID, &i)
		st := stations[i%3]
		a := post.Analysis{Lang: "en", Sentiment: post.Sentiment{Label: []string{"negative", "neutral", "positive"}[i%3]},
			SimHash: fmt.Sprintf("%016x", i*7919), Station: &st, Urgency: 20, Categories: []post.Category{{Name: "theft", Score: 0.9}}}
		if i%4 == 0 {
			a.Emergency, a.Urgency = post.Flag{Label: true, Score: 0.95}, 95
		}
		return a
	}})
	defer in.Close()
	var ps []post.Post
	for i := 0; i < 60; i++ {
		kind := post.KindPost
		if i%2 == 0 {
			kind = post.KindMention
		}
		ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint(i), Kind: kind, Text: fmt.Sprint("post number ", i),
			Author: post.Author{ExternalID: fmt.Sprint("a", i)}, CreatedAt: now.Add(-time.Duration(i) * 50 * time.Minute)})
	}
	res, err := in.Submit(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range res {
		ids = append(ids, r.ID)
	}
	d := desk.New(db, desk.Options{Now: func() time.Time { return now }})
	if err := d.ReloadUnits(ctx); err != nil {
		t.Fatal(err)
	}
	pl := pipeline.New(db, d, nil, nil, pipeline.Options{Now: func() time.Time { return now }, Listener: pipeline.Listeners{Rollup{}}})
	if err := pl.Process(ctx, ids); err != nil {
		t.Fatal(err)
	}
}

// The station map's figures agree with counting posts and cases, on both
// stores, for windows with and without whole days in them.
func TestStationsAgreeWithThePosts(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
		dashPosts(t, db, now)
		for _, back := range []time.Duration{5 * time.Hour, 30 * time.Hour, 60 * time.Hour} {
			m, err := ReadStations(ctx, db, now.Add(-back), now.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Stations) != 3 {
				t.Fatalf("stations: %+v", m.Stations)
			}
			since := store.Millis(now.Add(-back))
			since -= since % hourMs
			var unplaced int64
			db.Read.QueryRow("SELECT COUNT(*) FROM posts WHERE station = 'Gone PS' AND created_at >= $1", since).Scan(&unplaced)
			if m.Unplaced != unplaced {
				t.Fatalf("%v: unplaced %d, want %d", back, m.Unplaced, unplaced)
			}
			for _, s := range m.Stations {
				var posts, neg, urgent int64
				db.Read.QueryRow("SELECT COUNT(*) FROM posts WHERE station = $1 AND created_at >= $2", s.Name, since).Scan(&posts)
				db.Read.QueryRow("SELECT COUNT(*) FROM posts WHERE station = $1 AND created_at >= $2 AND sentiment = 'negative'", s.Name, since).Scan(&neg)
				db.Read.QueryRow("SELECT COUNT(*) FROM cases WHERE unit_id = $1 AND priority <= 2 AND status NOT IN ('resolved', 'closed')", s.UnitID).Scan(&urgent)
				if s.Posts != posts || s.Negative != neg || s.OpenUrgent != urgent {
					t.Fatalf("%v %s: %+v, want posts %d negative %d urgent %d", back, s.Name, s, posts, neg, urgent)
				}
				if s.Name == "Adugodi PS" && (urgent == 0 || s.NameKn == "") {
					t.Fatalf("%s: no urgent case or Kannada name: %+v", s.Name, s)
				}
			}
			if m.Stations[2].Name != "Quiet PS" || m.Stations[2].Posts != 0 {
				t.Fatalf("order: %+v", m.Stations)
			}
		}
		if _, err := ReadStations(ctx, db, now, now.Add(-time.Hour)); err == nil {
			t.Fatal("a window ending before it starts was accepted")
		}
	})
}

// The reputation index counts only posts addressed to the force.
func TestReputationCountsPostsAddressedToTheForce(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)
		dashPosts(t, db, now)
		rep, err := ReadReputation(ctx, db, now.Add(-72*time.Hour), now.Add(time.Minute), "day")
		if err != nil {
			t.Fatal(err)
		}
		var pos, neg, all int64
		db.Read.QueryRow(`SELECT SUM(CASE WHEN sentiment = 'positive' THEN 1 ELSE 0 END), SUM(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END), COUNT(*)
			FROM posts WHERE kind = 'mention'`).Scan(&pos, &neg, &all)
		o := rep.Overall
		if all != 30 || o.Total != all || o.Positive != pos || o.Negative != neg || o.Index == nil {
			t.Fatalf("overall %+v, want %d/%d/%d", o, pos, neg, all)
		}
		if want := float64(int64(1000*float64(pos-neg)/float64(all))) / 10; *o.Index-want > 0.1 || want-*o.Index > 0.1 {
			t.Fatalf("index %v, want %v", *o.Index, want)
		}
		if len(rep.Points) != 4 {
			t.Fatalf("%d days", len(rep.Points))
		}
		var sum int64
		for _, p := range rep.Points {
			sum += p.Total
			if (p.Total == 0) != (p.Index == nil) {
				t.Fatalf("point %+v", p)
			}
		}
		if sum != all || rep.Points[0].Total != 0 {
			t.Fatalf("points: %+v", rep.Points)
		}
	})
}
