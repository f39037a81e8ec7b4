// Package devsample loads a fixed sample of real posts from the data sets
// under ../shared/data for the analysis stages' benchmarks, so each stage
// (places, PII, SimHash, language markers) is timed per post on the same
// kind of text `kaval bench analyze` times the whole chain on: 80–280
// characters, English, Kannada script and romanised, Hinglish, Mumbai
// complaints, offensive tweets. It reads the files directly (no import of
// the training code, which imports the stages themselves).
package devsample

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// Root finds ../shared/data from a package directory inside the project:
// it walks up from the working directory until it finds a shared/data
// beside a parent (the tree's layout: project and shared side by side).
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "..", "shared", "data")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return filepath.Clean(p), nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("devsample: no ../shared/data above the working directory")
		}
		dir = up
	}
}

// Posts returns up to n posts of 80–280 characters taken evenly across the
// sets (so every language's share is in a small sample).
func Posts(n int) ([]string, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	var all []string
	keep := func(t string) {
		if c := utf8.RuneCountInString(t); c >= 80 && c <= 280 {
			all = append(all, t)
		}
	}
	lines := func(path string) error {
		b, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(b), "\n") {
			keep(strings.TrimSpace(l))
		}
		return nil
	}
	table := func(path string, comma rune, col int, want func([]string) bool) error {
		f, err := os.Open(filepath.Join(root, path))
		if err != nil {
			return err
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = comma, -1, true
		first := true
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				continue
			}
			if first {
				first = false
				continue // header
			}
			if col < len(rec) && (want == nil || want(rec)) {
				keep(rec[col])
			}
		}
	}
	// The same sets, in the same order, as `kaval bench analyze` takes
	// its posts from (train and dev rows alike: this is a speed sample,
	// not a score).
	steps := []func() error{
		func() error {
			names, err := filepath.Glob(filepath.Join(root, "sentiment-en", "twitter-201*.tsv"))
			if err != nil || len(names) == 0 {
				return errors.New("devsample: no SemEval files")
			}
			sort.Strings(names)
			for _, n := range names {
				b, err := os.ReadFile(n)
				if err != nil {
					return err
				}
				for _, l := range strings.Split(string(b), "\n") {
					if p := strings.Split(l, "\t"); len(p) >= 3 {
						keep(strings.Trim(strings.ReplaceAll(strings.ReplaceAll(p[2], `\u2019`, "’"), `\u002c`, ","), `"`))
					}
				}
			}
			return lines("sentiment-en/tweeteval-val/val_text.txt")
		},
		func() error { return table("kannada-codemix/kannada_sentiment_offensive_train_dev.tsv", '\t', 1, nil) },
		func() error { return table("hinglish-sentimix/sentimix_hinglish_train.tsv", '\t', 1, nil) },
		func() error { return table("hinglish-sentimix/sentimix_hinglish_dev.tsv", '\t', 1, nil) },
		func() error { return table("mumbai-urban-issues/mumbai_tweets.csv", ',', 0, nil) },
		func() error { return lines("tweeteval/offensive/train_text.txt") },
		func() error { return lines("tweeteval/offensive/val_text.txt") },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	if len(all) == 0 {
		return nil, errors.New("devsample: no posts of 80–280 characters under " + root)
	}
	m := min(n, len(all))
	out := make([]string, 0, m)
	for i := range m {
		out = append(out, all[i*len(all)/m])
	}
	return out, nil
}
