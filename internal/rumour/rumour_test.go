package rumour

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/store"
)

var (
	engOnce sync.Once
	engine  *analyze.Engine
	engErr  error
)

func realAnalyzer(t testing.TB) post.Analyzer {
	engOnce.Do(func() { engine, engErr = analyze.Default() })
	if engErr != nil {
		t.Fatal(engErr)
	}
	return func(p *post.Post) post.Analysis {
		return engine.Analyze(analyze.Input{Text: p.Text, Platform: p.Platform, AuthorLocation: p.Author.Location, Lat: p.Lat, Lon: p.Lon})
	}
}

// A rumour burst in Kannada and English about Shivajinagar, in simulated
// traffic of 1 post a second analysed by the real engine, is one cluster
// placed in Shivajinagar PS, in both languages, found by a run every 30
// seconds less than 2 minutes after the burst began; the ten minutes of
// ordinary traffic before it raise nothing; ClusterPosts lists the burst's copies, and copies arriving
// after the alert join the same cluster.
func TestRumourBurstInKannadaAndEnglishIsOneClusterWithinTwoMinutes(t *testing.T) {
	an := realAnalyzer(t)
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		burstAt := 10 * time.Minute
		// Ordinary traffic without its own rumour waves: at a second a
		// post, they grow fast enough to be clusters themselves.
		themes := maps.Clone(scenario.DefaultThemes)
		delete(themes, scenario.ThemeRumour)
		g := scenario.New(scenario.Config{Seed: 7, Start: start, Rate: 1, Themes: themes, Bursts: []scenario.Burst{{Theme: scenario.ThemeRumour,
			Place: "Shivajinagar", Start: burstAt, Duration: 10 * time.Minute, Share: 0.6, Langs: []string{scenario.LangKannada, scenario.LangEnglish}}}})
		var clock time.Time
		in := ingest.New(db, nil, ingest.Options{Now: func() time.Time { return clock }, Analyze: an})
		defer in.Close()
		d := New(db, Options{})
		next := g.Next()
		var found []Growing
		var foundAt time.Duration
		for tick := 30 * time.Second; tick <= 16*time.Minute; tick += 30 * time.Second {
			clock = start.Add(tick)
			var batch []post.Post
			for next.At.Before(clock) {
				batch = append(batch, next.Post())
				next = g.Next()
			}
			if _, err := in.Submit(ctx, batch); err != nil {
				t.Fatal(err)
			}
			got, err := d.Run(ctx, clock)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > 0 && found == nil {
				found, foundAt = got, tick
				if tick <= burstAt {
					ps, _ := ClusterPosts(ctx, db, got[0].ID)
					for _, p := range ps {
						var text string
						db.Read.QueryRow("SELECT text FROM posts WHERE id = $1", p.PostID).Scan(&text)
						t.Log(text)
					}
					t.Fatalf("a cluster before the burst, at %v: %+v", tick, got)
				}
			}
		}
		if found == nil {
			t.Fatal("the burst raised nothing")
		}
		c := found[0]
		t.Logf("found %v after the burst began: %+v", foundAt-burstAt, c)
		if delay := foundAt - burstAt; delay > 2*time.Minute {
			t.Fatalf("found %v after the burst began", delay)
		}
		if c.Station != "Shivajinagar PS" || len(found) != 1 || c.Accounts < 3 || len(c.Cues) == 0 {
			t.Fatalf("cluster: %+v (of %d)", c, len(found))
		}
		final, err := Get(ctx, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(final.Langs, "en") || !slices.Contains(final.Langs, "kn") || final.Posts <= len(c.PostIDs) {
			t.Fatalf("after the burst: %+v (at the alert %d posts)", final, len(c.PostIDs))
		}
		ps, err := ClusterPosts(ctx, db, c.ID)
		if err != nil || len(ps) != final.Posts {
			t.Fatalf("posts: %d %v", len(ps), err)
		}
		for _, p := range ps {
			if p.Lang != "en" && p.Lang != "kn" && p.Lang != "kn-Latn" {
				t.Fatalf("a post of another language in the cluster: %+v", p)
			}
		}
		if _, err := ClusterPosts(ctx, db, c.ID+1000); err != store.ErrNotFound {
			t.Fatalf("no such cluster: %v", err)
		}
	})
}
