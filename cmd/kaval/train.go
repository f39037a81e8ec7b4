package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/labels"
	"github.com/kaval-desk/kaval/internal/analyze/model"
	"github.com/kaval-desk/kaval/internal/analyze/train"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "train", summary: "rebuild the embedded analysis models from ../shared/data (+ desk labels)", run: runTrain})
	register(command{name: "eval", summary: "score the embedded analysis models on dev splits and write docs/MODELS.md", run: runEval})
}

func runTrain(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "train", "[--data DIR] [--repo DIR] [--db URL] [--select] [--only HEADS] [--cv TASK [--cv-sub N] [--cv-cache DIR] [--cv-export DIR] [--cv-variants LIST]]")
	data := fs.String("data", "../shared/data", "directory of the public training data")
	repo := fs.String("repo", ".", "repository root to write internal/analyze/models/kaval.bin into")
	dsn := fs.String("db", "", "also train on the desk's corrected labels from this database (sqlite:PATH or postgres://…)")
	sel := fs.Bool("select", false, "also report the leave-events-out choice of the emergency head's C (slow)")
	only := fs.String("only", "", "retrain only these heads (comma-separated) and take the others from the current model (their data must be unchanged)")
	cv := fs.String("cv", "", "only report out-of-source cross-validation of one task (emergency, complaint, category) and write nothing")
	cvSub := fs.Int("cv-sub", 1, "with --cv: keep one crisis tweet in N (a subsample, for speed)")
	cvWeights := fs.String("cv-desk-weights", "", "with --cv desk: only these desk-label weights, comma-separated (0: without the desk labels)")
	cvCache := fs.String("cv-cache", "", "with --cv emergency or desk-cache: keep out-of-fold logits in this scratch directory between runs")
	cvMumbaiNone := fs.Float64("cv-mumbai-none", float64(train.MumbaiNoneWeight), "with --cv: the weight of Mumbai tweets their collectors gave no category in the category head (0: left out)")
	cvHandle := fs.Float64("cv-handle-hint", float64(analyze.HandleHint), "with --cv: the lexicon weight of an agency handle in the category scores")
	cvOld := fs.String("cv-old-keys", "", "with --cv desk-cache: also report on the posts whose keys this file lists (an earlier label set)")
	cvExport := fs.String("cv-export", "", "with --cv sentiment|offensive|lang: also write the folds into this scratch directory, for scripts/baseline.py cv")
	cvVariants := fs.String("cv-variants", "shipped", "with --cv sentiment|offensive|lang: settings to measure, comma-separated (shipped, c=X, nb, adapt, softmax, clean=X)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	train.Select = *sel
	start := time.Now()
	d, err := train.Load(*data)
	if err != nil {
		return err
	}
	if *dsn != "" {
		db, err := store.Open(ctx, *dsn)
		if err != nil {
			return err
		}
		ls, err := labels.ForTraining(ctx, db)
		db.Close()
		if err != nil {
			return err
		}
		for _, l := range ls {
			d.Labels = append(d.Labels, train.Label{Text: l.Text, Task: l.Task, Label: l.Label})
		}
		fmt.Fprintf(env.stderr, "train: %d desk labels\n", len(ls))
	}
	fmt.Fprintf(env.stderr, "train: data loaded in %.1fs\n", time.Since(start).Seconds())
	if *cv != "" {
		train.CVCache = *cvCache
		train.MumbaiNoneWeight = float32(*cvMumbaiNone)
		analyze.HandleHint = float32(*cvHandle)
		analyze.CategoryMore = os.Getenv("KAVAL_CV_NO_MORE") == ""
		train.DeskCacheShow = os.Getenv("KAVAL_CV_SHOW")
		if *cvOld != "" {
			raw, err := os.ReadFile(*cvOld)
			if err != nil {
				return err
			}
			train.DeskCacheOld = map[string]bool{}
			for _, k := range strings.Fields(string(raw)) {
				train.DeskCacheOld[k] = true
			}
		}
		train.CVExport = *cvExport
		train.CVVariants = strings.Split(*cvVariants, ",")
		if *cvExport != "" {
			if err := os.MkdirAll(*cvExport, 0o755); err != nil {
				return err
			}
		}
		switch *cv {
		case "sentiment", "sentiment_en", "sentiment_kn", "sentiment_hi", "offensive", "lang":
			// The folds swap their head into the current model and score
			// through the engine.
			raw, err := os.ReadFile(filepath.Join(*repo, "internal/analyze/models/kaval.bin"))
			if err != nil {
				return fmt.Errorf("unable to read the current model: %w", err)
			}
			if train.Reuse, err = model.Decode(raw); err != nil {
				return err
			}
		}
		for _, w := range strings.Split(*cvWeights, ",") {
			if w = strings.TrimSpace(w); w != "" {
				v, err := strconv.ParseFloat(w, 32)
				if err != nil {
					return fmt.Errorf("train: --cv-desk-weights: %w", err)
				}
				train.DeskCVWeights = append(train.DeskCVWeights, float32(v))
			}
		}
		return train.CrossValidate(d, *cv, *cvSub, env.stdout)
	}
	if *only != "" {
		raw, err := os.ReadFile(filepath.Join(*repo, "internal/analyze/models/kaval.bin"))
		if err != nil {
			return fmt.Errorf("unable to read the current model: %w", err)
		}
		if train.Reuse, err = model.Decode(raw); err != nil {
			return err
		}
		train.Only = map[string]bool{}
		for _, h := range strings.Split(*only, ",") {
			train.Only[strings.TrimSpace(h)] = true
		}
	}
	m, err := train.Build(d, env.stderr)
	if err != nil {
		return err
	}
	if err := train.Write(m, *repo); err != nil {
		return err
	}
	if err := train.WriteWords(d, *repo); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "train: wrote %s (%d bytes) in %.1fs; rebuild the binary to embed it\n",
		filepath.Join(*repo, "internal/analyze/models/kaval.bin"), len(m.Encode()), time.Since(start).Seconds())
	return nil
}

func runEval(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "eval", "[--data DIR] [--repo DIR] [--doc PATH] [--splits DIR] | --db URL")
	data := fs.String("data", "../shared/data", "directory of the public data")
	repo := fs.String("repo", ".", "repository root holding internal/analyze/models/kaval.bin")
	doc := fs.String("doc", "docs/MODELS.md", "Markdown report to write (empty: none)")
	splits := fs.String("splits", "", "only write every task's exact training and dev rows as TSV into this scratch directory, for scripts/baseline.py")
	dsn := fs.String("db", "", "only score the running engine on the desk's corrected labels in this database (sqlite:PATH or postgres://…), by task, label and week")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn != "" {
		return evalDesk(ctx, env, *dsn)
	}
	if *splits != "" {
		d, err := train.Load(*data)
		if err != nil {
			return err
		}
		if err := train.ExportSplits(d, *splits); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "eval: wrote the training and dev splits to %s\n", *splits)
		return nil
	}
	raw, err := os.ReadFile(filepath.Join(*repo, "internal/analyze/models/kaval.bin"))
	if err != nil {
		return fmt.Errorf("unable to read model: %w", err)
	}
	m, err := model.Decode(raw)
	if err != nil {
		return err
	}
	d, err := train.Load(*data)
	if err != nil {
		return err
	}
	ms, err := train.Evaluate(d, m, env.stderr)
	if err != nil {
		return err
	}
	for _, x := range ms {
		mark := ""
		if x.Baseline > 0 {
			mark = fmt.Sprintf("baseline %.3f", x.Baseline)
			if x.Headline() > x.Baseline {
				mark += " BEATEN"
			} else {
				mark += " NOT beaten"
			}
		}
		fmt.Fprintf(env.stdout, "%-45s n=%-6d %-12s %.3f  macroR %.3f macroF1 %.3f acc %.3f  %s\n",
			x.Task, x.N, x.BaseMetric, x.Headline(), x.MacroRecall, x.MacroF1, x.Accuracy, mark)
		for i, row := range x.Confusion {
			if len(x.Classes) <= 5 {
				fmt.Fprintf(env.stdout, "    %-9s %v\n", x.Classes[i], row)
			}
		}
	}
	if *doc != "" {
		var b bytes.Buffer
		train.Report(&b, ms, m, modelsNotes9Places+"\n"+modelsNotes9Category+"\n"+modelsNotes9Emergency+modelsNotes9+modelsNotes8+modelsNotes)
		if err := os.WriteFile(*doc, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("unable to write %s: %w", *doc, err)
		}
	}
	return nil
}
