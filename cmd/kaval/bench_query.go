package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/unit"
)

func init() {
	register(command{name: "bench-query", summary: "inbox and search latency with N posts stored", run: benchQuery})
}

// benchQuery fills a database with simulated traffic (through the real
// intake and pipeline, so posts are analysed, threaded and routed) and then
// times the queries the desk makes all day: inbox pages and filters, and
// full-text search in English and Kannada.
func benchQuery(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench query", "[--posts N] [--db URL] [--runs N]")
	n := fs.Int("posts", 1000000, "posts to store before measuring (skipped when the database already has them)")
	dsn := fs.String("db", "", "database (default: sqlite in $TMPDIR/kaval-bench-query, kept between runs)")
	runs := fs.Int("runs", 200, "timed runs of each query")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		dir := filepath.Join(os.TempDir(), "kaval-bench-query")
		os.MkdirAll(dir, 0o750)
		*dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seedUnits(ctx, db); err != nil {
		return err
	}
	d := desk.New(db, desk.Options{})
	if err := d.ReloadUnits(ctx); err != nil {
		return err
	}
	var have int
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts").Scan(&have)
	if have < *n {
		an, err := loadAnalyzer()
		if err != nil {
			return err
		}
		in := ingest.New(db, nil, ingest.Options{})
		pl := pipeline.New(db, d, nil, an, pipeline.Options{})
		prog := newProgress(env.stderr, "filling", int64(*n))
		const step = 20000
		for lo := have; lo < *n; lo += step {
			posts := benchPostsFrom(lo, min(step, *n-lo))
			// Spread the posts over the last 90 days, as a live desk's are.
			gap := 90 * 24 * time.Hour / time.Duration(*n)
			for i := range posts {
				posts[i].CreatedAt = time.Now().Add(-gap * time.Duration(*n-lo-i))
			}
			for i := 0; i < len(posts); i += 2000 {
				res, err := in.Submit(ctx, posts[i:min(i+2000, len(posts))])
				if err != nil {
					return err
				}
				for _, r := range res {
					if r.Err != nil {
						return r.Err
					}
				}
			}
			if err := pl.Sweep(ctx); err != nil {
				return err
			}
			prog.update(int64(lo+len(posts)), "")
		}
		in.Close()
		prog.done(int64(*n), "")
	}
	var posts, cases int
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts").Scan(&posts)
	db.Read.QueryRowContext(ctx, "SELECT count(*) FROM cases").Scan(&cases)
	fmt.Fprintf(env.stdout, "query latency on %s with %d posts, %d cases (%d runs each)\n", db.Dialect, posts, cases, *runs)

	var station int64
	if us, err := unit.NewStore(db).List(ctx, "station"); err == nil && len(us) > 0 {
		var best int
		for _, u := range us {
			var c int
			db.Read.QueryRowContext(ctx, "SELECT count(*) FROM cases WHERE unit_id = $1", u.ID).Scan(&c)
			if c > best {
				best, station = c, u.ID
			}
		}
	}
	_, cursor, _ := d.ListCases(ctx, desk.CaseFilter{Status: []string{"new", "open"}}, desk.Scope{})
	queries := []struct {
		name string
		run  func() error
	}{
		{"inbox: open cases, first page", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Status: []string{"new", "open"}}, desk.Scope{})
			return err
		}},
		{"inbox: next page (cursor)", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Status: []string{"new", "open"}, Cursor: cursor}, desk.Scope{})
			return err
		}},
		{"inbox: open cases, deadline order", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Status: []string{"new", "open"}, Sort: desk.SortDeadline}, desk.Scope{})
			return err
		}},
		{"inbox: open cases, latest change first", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Status: []string{"new", "open"}, Sort: desk.SortUpdated}, desk.Scope{})
			return err
		}},
		{"inbox: overdue, unassigned", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Status: []string{"new", "open"}, Overdue: true, Unassigned: true}, desk.Scope{})
			return err
		}},
		{"inbox: Kannada, urgency >= 60", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Lang: "kn", MinUrgency: 60}, desk.Scope{})
			return err
		}},
		{"inbox: critical only", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Priority: 1}, desk.Scope{})
			return err
		}},
		{"inbox: station officer's unit", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{}, desk.Scope{Restricted: true, UnitID: station})
			return err
		}},
		{"inbox: category filter", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Category: "traffic_parking"}, desk.Scope{})
			return err
		}},
		{"search posts: common word (traffic)", func() error {
			_, err := d.ListPosts(ctx, desk.PostFilter{Q: "traffic"}, desk.Scope{})
			return err
		}},
		{"search posts: two words (chain snatching)", func() error {
			_, err := d.ListPosts(ctx, desk.PostFilter{Q: "chain snatching"}, desk.Scope{})
			return err
		}},
		{"search posts: Kannada prefix (ಕೋರಮಂಗಲ)", func() error {
			_, err := d.ListPosts(ctx, desk.PostFilter{Q: "ಕೋರಮಂಗಲ"}, desk.Scope{})
			return err
		}},
		{"search posts: rare word", func() error {
			_, err := d.ListPosts(ctx, desk.PostFilter{Q: "mangalsutra"}, desk.Scope{})
			return err
		}},
		{"search cases: words in their posts", func() error {
			_, _, err := d.ListCases(ctx, desk.CaseFilter{Q: "missing child"}, desk.Scope{})
			return err
		}},
	}
	for _, q := range queries {
		lat := make([]time.Duration, 0, *runs)
		for range *runs {
			t0 := time.Now()
			if err := q.run(); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			lat = append(lat, time.Since(t0))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		fmt.Fprintf(env.stdout, "  %-45s p50 %8s  p95 %8s\n", q.name, pct(lat, 50), pct(lat, 95))
	}
	fmt.Fprintf(env.stdout, "  peak RSS %s\n", peakRSS())
	return nil
}
