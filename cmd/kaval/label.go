package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/model"
	"github.com/kaval-desk/kaval/internal/analyze/train"
)

func init() {
	register(command{name: "label", summary: "label police-desk posts from ../shared/data: next batch, second-annotator sample, agreement (docs/LABELLING.md)", run: runLabel})
}

const labelUsage = `next [--n 100] [--match REGEXP] | sample [--n 200] | kappa [--second FILE] | score [--split train|dev|all] | stats   [--data DIR] [--labels FILE]`

// runLabel is the annotator's tool for the police-desk set
// (internal/analyze/train/desk/labels.tsv, docs/LABELLING.md):
//
//	next    prints the next posts of the pool no label covers yet, one per
//	        line as key<TAB>source<TAB>text, for the annotator to label;
//	sample  prints the second annotator's sample (key, source, text; never
//	        the first annotator's labels);
//	kappa   compares the labels with a second annotator's file in the same
//	        format: Cohen's kappa per label on the posts both labelled;
//	stats   counts the labels by source, category and flag.
func runLabel(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprintf(env.stderr, "Usage: kaval label %s\n", labelUsage)
		return errUsage
	}
	sub := args[0]
	fs := newFlags(env, "label "+sub, labelUsage)
	data := fs.String("data", "../shared/data", "directory of the public data")
	file := fs.String("labels", "internal/analyze/train/desk/labels.tsv", "the first annotator's label file")
	second := fs.String("second", "internal/analyze/train/desk/second.tsv", "with kappa: the second annotator's label file")
	repo := fs.String("repo", ".", "with score: repository root holding internal/analyze/models/kaval.bin")
	split := fs.String("split", "train", "with score: which labelled posts (train: the three quarters models may read, dev: the police-desk dev split, all)")
	n := fs.Int("n", 0, "how many posts (next: 100, sample: 200)")
	match := fs.String("match", "", "with next: only posts matching this regular expression (case-insensitive), for the keyword-enriched stratum")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	ls, err := train.ParseDeskLabels(string(raw))
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	switch sub {
	case "next", "sample":
		pool, err := train.DeskPool(*data)
		if err != nil {
			return err
		}
		if sub == "next" {
			if *match != "" {
				re, err := regexp.Compile("(?i)" + *match)
				if err != nil {
					return fmt.Errorf("label next --match: %w", err)
				}
				kept := pool[:0:0]
				for _, p := range pool {
					if re.MatchString(p.Text) {
						kept = append(kept, p)
					}
				}
				pool = kept
			}
			return labelNext(env, pool, ls, *n)
		}
		return labelSample(env, pool, ls, *n)
	case "kappa":
		raw, err := os.ReadFile(*second)
		if err != nil {
			return err
		}
		ls2, err := train.ParseDeskLabels(string(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", *second, err)
		}
		return labelKappa(env, ls, ls2)
	case "score":
		pool, err := train.DeskPool(*data)
		if err != nil {
			return err
		}
		return labelScore(env, *repo, pool, ls, *split)
	case "stats":
		labelStats(env, ls)
		return nil
	}
	fmt.Fprintf(env.stderr, "Usage: kaval label %s\n", labelUsage)
	return errUsage
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func labelNext(env *cliEnv, pool []train.PoolPost, ls []train.DeskLabel, n int) error {
	if n <= 0 {
		n = 100
	}
	done := map[string]bool{}
	for _, l := range ls {
		done[l.Key] = true
	}
	for _, p := range pool {
		if n == 0 {
			break
		}
		if !done[p.Key] {
			fmt.Fprintf(env.stdout, "%s\t%s\t%s\n", p.Key, p.Source, oneLine(p.Text))
			n--
		}
	}
	return nil
}

func labelSample(env *cliEnv, pool []train.PoolPost, ls []train.DeskLabel, n int) error {
	if n <= 0 {
		n = 200
	}
	text := map[string]string{}
	for _, p := range pool {
		text[p.Key] = p.Text
	}
	for _, l := range train.SecondSample(ls, n) {
		t, ok := text[l.Key]
		if !ok {
			return fmt.Errorf("label sample: post %s is not in %s", l.Key, "the data")
		}
		fmt.Fprintf(env.stdout, "%s\t%s\t%s\n", l.Key, l.Source, oneLine(t))
	}
	return nil
}

// labelKappa reports Cohen's kappa per label over the posts both files
// label: category (18 classes + none), emergency, complaint, urgency
// (0/1/2, unweighted), whether a place is named, and the station where
// both named one.
func labelKappa(env *cliEnv, a, b []train.DeskLabel) error {
	first := map[string]train.DeskLabel{}
	for _, l := range a {
		first[l.Key] = l
	}
	type pair struct{ x, y []string }
	ps := map[string]*pair{}
	names := []string{"category", "emergency", "complaint", "urgency", "place named", "station (both named)"}
	for _, n := range names {
		ps[n] = &pair{}
	}
	add := func(n, x, y string) { ps[n].x = append(ps[n].x, x); ps[n].y = append(ps[n].y, y) }
	b01 := func(v bool) string { return fmt.Sprint(v) }
	common, unknown := 0, 0
	for _, y := range b {
		x, ok := first[y.Key]
		if !ok {
			unknown++
			continue
		}
		common++
		add("category", x.Category, y.Category)
		add("emergency", b01(x.Emergency), b01(y.Emergency))
		add("complaint", b01(x.Complaint), b01(y.Complaint))
		add("urgency", fmt.Sprint(x.Urgency), fmt.Sprint(y.Urgency))
		add("place named", b01(x.Place != ""), b01(y.Place != ""))
		if x.Station != "" && y.Station != "" {
			add("station (both named)", strings.ToLower(x.Station), strings.ToLower(y.Station))
		}
	}
	fmt.Fprintf(env.stdout, "posts labelled by both: %d (second file: %d not in the first)\n", common, unknown)
	fmt.Fprintf(env.stdout, "%-22s %5s %9s %7s\n", "label", "n", "agreement", "kappa")
	for _, n := range names {
		p := ps[n]
		agree := 0
		for i := range p.x {
			if p.x[i] == p.y[i] {
				agree++
			}
		}
		if len(p.x) == 0 {
			fmt.Fprintf(env.stdout, "%-22s %5d %9s %7s\n", n, 0, "-", "-")
			continue
		}
		k := train.Kappa(p.x, p.y)
		ks := fmt.Sprintf("%7.3f", k)
		if math.IsNaN(k) {
			ks = "    n/a" // one label only, in both files: kappa is undefined
		}
		fmt.Fprintf(env.stdout, "%-22s %5d %9.3f %s\n", n, len(p.x), float64(agree)/float64(len(p.x)), ks)
	}
	return nil
}

func labelStats(env *cliEnv, ls []train.DeskLabel) {
	count := func(key func(train.DeskLabel) string) {
		c := map[string]int{}
		for _, l := range ls {
			c[key(l)]++
		}
		var ks []string
		for k := range c {
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool { return c[ks[i]] > c[ks[j]] || c[ks[i]] == c[ks[j]] && ks[i] < ks[j] })
		for _, k := range ks {
			fmt.Fprintf(env.stdout, "  %-22s %5d\n", k, c[k])
		}
	}
	fmt.Fprintf(env.stdout, "%d labelled posts\nby source:\n", len(ls))
	count(func(l train.DeskLabel) string { return l.Source })
	fmt.Fprintln(env.stdout, "by category:")
	count(func(l train.DeskLabel) string { return l.Category })
	fmt.Fprintln(env.stdout, "emergency / complaint / urgency / place:")
	count(func(l train.DeskLabel) string {
		return fmt.Sprintf("em %v co %v urg %d pl %v", b2s(l.Emergency), b2s(l.Complaint), l.Urgency, l.Place != "")
	})
}

func b2s(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// labelScore scores the model in repo on the labelled posts of one split,
// by source group (train.DeskScore).
func labelScore(env *cliEnv, repo string, pool []train.PoolPost, ls []train.DeskLabel, split string) error {
	raw, err := os.ReadFile(filepath.Join(repo, "internal/analyze/models/kaval.bin"))
	if err != nil {
		return fmt.Errorf("unable to read model: %w", err)
	}
	m, err := model.Decode(raw)
	if err != nil {
		return err
	}
	e, err := analyze.New(m)
	if err != nil {
		return err
	}
	posts, missing := train.JoinDesk(pool, ls)
	var kept []train.LabelledPost
	for _, p := range posts {
		dev := train.DeskDev(p.Key)
		if split == "all" || split == "dev" && dev || split == "train" && !dev {
			kept = append(kept, p)
		}
	}
	fmt.Fprintf(env.stdout, "%s split: %d labelled posts (%d labels not found in the data)\n", split, len(kept), missing)
	train.WriteDeskScore(env.stdout, train.DeskScore(e, kept))
	return nil
}
