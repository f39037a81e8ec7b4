package model

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// benchCorpus reads up to n posts of 80–280 characters from the SentiMix
// and SemEval files under ../shared/data: thousands of different posts, so
// the weight table is read with the cache misses of real traffic (a few
// repeated posts would keep their rows in L1).
func benchCorpus(b *testing.B, n int) []string {
	var out []string
	for _, p := range []string{
		"../../../../shared/data/hinglish-sentimix/sentimix_hinglish_train.tsv",
		"../../../../shared/data/sentiment-en/twitter-2016train-A.tsv",
		"../../../../shared/data/sentiment-en/twitter-2013train-A.tsv",
		"../../../../shared/data/kannada-codemix/kannada_offensive_train.csv",
	} {
		f, err := os.Open(p)
		if err != nil {
			b.Skipf("bench data missing: %v", err)
		}
		sc := bufio.NewScanner(f)
		limit := len(out) + n/4
		for sc.Scan() && len(out) < limit {
			for _, field := range strings.Split(sc.Text(), "\t") {
				if c := utf8.RuneCountInString(field); c >= 80 && c <= 280 {
					out = append(out, field)
					break
				}
			}
		}
		f.Close()
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func benchModel(b *testing.B) *Model {
	raw, err := os.ReadFile("../models/kaval.bin")
	if err != nil {
		b.Skip(err)
	}
	m, err := Decode(raw)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkVectorizeAccumulate is the model's inner work per post over
// 20,000 different posts: featurise, then read every feature's row.
func BenchmarkVectorizeAccumulate(b *testing.B) {
	m := benchModel(b)
	posts := benchCorpus(b, 20000)
	var x Extractor
	acc := make([]float32, m.Width)
	i := 0
	for b.Loop() {
		v := x.Vectorize(posts[i%len(posts)], &m.Space)
		clear(acc)
		m.Accumulate(v, acc)
		i++
	}
}

// BenchmarkVectorizeCorpus is featurisation alone over the same posts.
func BenchmarkVectorizeCorpus(b *testing.B) {
	m := benchModel(b)
	posts := benchCorpus(b, 20000)
	var x Extractor
	i := 0
	for b.Loop() {
		x.Vectorize(posts[i%len(posts)], &m.Space)
		i++
	}
}

// BenchmarkAccumulate is Accumulate alone over the vectors of the same
// posts, made beforehand (so their rows are not in cache from Vectorize).
func BenchmarkAccumulate(b *testing.B) {
	m := benchModel(b)
	posts := benchCorpus(b, 20000)
	var x Extractor
	vecs := make([]Vec, len(posts))
	for i, p := range posts {
		v := x.Vectorize(p, &m.Space)
		vecs[i] = Vec{Idx: slices.Clone(v.Idx), Val: slices.Clone(v.Val)}
	}
	acc := make([]float32, m.Width)
	i := 0
	for b.Loop() {
		clear(acc)
		m.Accumulate(vecs[i%len(vecs)], acc)
		i++
	}
}
