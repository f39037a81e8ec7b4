package main

import (
	"context"
	"fmt"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/pipeline"
	"github.com/kaval-desk/kaval/internal/query"
)

func init() {
	register(command{name: "reanalyze", summary: "re-run the current models over stored posts (resumable)", run: runReanalyze})
}

func runReanalyze(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "reanalyze", "[--db URL] [--restart] [--batch N]")
	dsn := dbFlag(fs, env)
	restart := fs.Bool("restart", false, "start from the first post instead of resuming")
	batch := fs.Int("batch", 2000, "posts per transaction")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	an, err := loadAnalyzer()
	if err != nil {
		return err
	}
	e, err := analyze.Default()
	if err != nil {
		return err
	}
	// One checkpoint per model version: a new model starts over, an
	// interrupted run of the same model resumes.
	source := "reanalyze:" + e.Version()
	if *restart {
		if _, err := db.Write.ExecContext(ctx, "DELETE FROM checkpoints WHERE source = $1", source); err != nil {
			return err
		}
	}
	pl := pipeline.New(db, desk.New(db, desk.Options{}), nil, an, pipeline.Options{})
	// Listening queries follow the new analysis.
	ql := query.NewListener(db, query.NewStore(db, nil, nil), nil)
	if err := ql.Reload(ctx); err != nil {
		return err
	}
	pl.SetRematch(ql.Rematch)
	prog := newProgress(env.stderr, "reanalyze", 0)
	var total int64
	n, err := pl.Reanalyze(ctx, source, *batch, func(done, all int64) {
		if prog.total == 0 {
			prog.total = all
		}
		total = all
		prog.update(done, "")
	})
	prog.done(n, "")
	if err != nil {
		return fmt.Errorf("stopped after %d posts (run again to resume): %w", n, err)
	}
	fmt.Fprintf(env.stdout, "reanalysed %d of %d posts with %s\n", n, max(total, n), e.Version())
	return nil
}
