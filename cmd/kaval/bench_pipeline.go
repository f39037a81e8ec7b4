package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/pipeline"
)

// benchPipeline measures sustained intake → analysed → stored → indexed →
// routed: posts are submitted in batches while the pipeline runs, and the
// clock stops when the last post is on the desk.
func benchPipeline(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench pipeline", "[--posts N] [--db URL]")
	n := fs.Int("posts", 100000, "posts")
	dsn := fs.String("db", "", "database (default: a fresh SQLite file in a temp dir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	posts := benchPosts(*n)
	db, done, err := benchDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer done()
	an, err := loadAnalyzer()
	if err != nil {
		return err
	}
	if err := seedUnits(ctx, db); err != nil {
		return err
	}
	d := desk.New(db, desk.Options{})
	if err := d.ReloadUnits(ctx); err != nil {
		return err
	}
	b := newBus()
	defer b.Close()
	// As the desk runs: intake analyses, the pipeline threads.
	in := ingest.New(db, b, ingest.Options{Analyze: an})
	defer in.Close()
	pl := pipeline.New(db, d, b, an, pipeline.Options{})
	pctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { pl.Run(pctx, time.Hour); close(stopped) }()
	// Stop the pipeline before the bus and intake close under it.
	defer func() { cancel(); <-stopped }()
	time.Sleep(50 * time.Millisecond)
	fmt.Fprintf(env.stdout, "pipeline: %d posts through intake, analysis, threading and routing on %s\n", *n, db.Dialect)
	start := time.Now()
	prog := newProgress(env.stderr, "pipeline", int64(*n))
	for i := 0; i < len(posts); i += 500 {
		if _, err := in.Submit(ctx, posts[i:min(i+500, len(posts))]); err != nil {
			return err
		}
	}
	for {
		var left int
		if err := db.Read.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE stage < 2").Scan(&left); err != nil {
			return err
		}
		prog.update(int64(*n-left), "")
		if left == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	el := time.Since(start)
	prog.done(int64(*n), "")
	var cases, routed int
	db.Read.QueryRow("SELECT count(*), count(unit_id) FROM cases").Scan(&cases, &routed)
	fmt.Fprintf(env.stdout, "  %d posts on the desk in %.2fs: %.0f posts/s; %d cases, %d routed to a unit\n",
		*n, el.Seconds(), float64(*n)/el.Seconds(), cases, routed)
	fmt.Fprintf(env.stdout, "  peak RSS %s\n", peakRSS())
	return nil
}
