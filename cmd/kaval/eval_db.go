package main

import (
	"context"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/labels"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// evalDesk is `kaval eval --db`: the engine this binary embeds (the one
// the desk runs, places included) scored on the corrections the desk's
// agents made, so a force sees its own accuracy by task, label and week.
// It reads the labels and writes nothing.
func evalDesk(ctx context.Context, env *cliEnv, dsn string) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	ls, err := labels.ForTraining(ctx, db)
	db.Close()
	if err != nil {
		return err
	}
	eng, err := analyze.Default()
	if err != nil {
		return err
	}
	r := labels.Evaluate(ls, func(text string) post.Analysis { return eng.Analyze(analyze.Input{Text: text}) })
	r.Markdown(env.stdout)
	return nil
}
