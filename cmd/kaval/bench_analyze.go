package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jonreiter/govader"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/model"
	"github.com/kaval-desk/kaval/internal/analyze/pii"
	"github.com/kaval-desk/kaval/internal/analyze/place"
	"github.com/kaval-desk/kaval/internal/analyze/simhash"
	"github.com/kaval-desk/kaval/internal/analyze/train"
	"github.com/kaval-desk/kaval/internal/post"
)

func init() {
	register(command{name: "bench-analyze", summary: "benchmark the analysis engine (and govader) on dev posts", run: benchAnalyze})
}

// benchAnalyze measures model load time, single-core posts/s of the whole
// analysis chain on 80–280-character posts from the dev splits of every
// language, and puts govader (a Go VADER port) beside it on speed and on
// the English sentiment dev split.
func benchAnalyze(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "bench-analyze", "[--data DIR] [--seconds N] [--cpuprofile FILE]")
	data := fs.String("data", "../shared/data", "directory of the public data (dev splits)")
	secs := fs.Float64("seconds", 3, "seconds to run each throughput measurement")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole-chain measurement (with places) to FILE")
	jsonl := fs.String("jsonl", "", "write the posts as JSON lines {\"id\",\"text\"} to FILE (for timing `kaval analyze` against scripts/govaderjsonl) and stop")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := train.Load(*data)
	if err != nil {
		return err
	}
	var posts []string
	for _, src := range [][]train.Item{d.SentEN, d.SentKN, d.SentHI, d.Mumbai, d.Offensive} {
		for _, it := range src {
			if n := utf8.RuneCountInString(it.Text); n >= 80 && n <= 280 {
				posts = append(posts, it.Text)
			}
		}
	}
	if len(posts) == 0 {
		return fmt.Errorf("no posts of 80–280 characters under %s", *data)
	}
	if *jsonl != "" {
		return writeBenchJSONL(*jsonl, posts)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	eng, err := analyze.Default()
	if err != nil {
		return err
	}
	load := time.Since(t0)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	raw, _ := os.ReadFile(filepath.Join("internal/analyze/models/kaval.bin"))
	t1 := time.Now()
	if len(raw) > 0 {
		if _, err := model.Decode(raw); err != nil {
			return err
		}
	}
	decode := time.Since(t1)
	// The same models without the places gazetteer, to show what the
	// gazetteer costs.
	noPlaces := eng
	if len(raw) > 0 {
		m, err := model.Decode(raw)
		if err != nil {
			return err
		}
		if noPlaces, err = analyze.New(m); err != nil {
			return err
		}
	}

	runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(runtime.NumCPU())
	chars := 0
	for _, p := range posts {
		chars += utf8.RuneCountInString(p)
	}
	// The timed loop cycles over 2,000 posts taken evenly across the whole
	// list, so every language's share is in it (the first 2,000 would be
	// English sentiment tweets only).
	sample := make([]string, 0, 2000)
	for i := range min(len(posts), 2000) {
		sample = append(sample, posts[i*len(posts)/min(len(posts), 2000)])
	}
	rate := func(fn func(string)) (float64, int) {
		n := 0
		start := time.Now()
		for time.Since(start).Seconds() < *secs && ctx.Err() == nil {
			for _, p := range sample {
				fn(p)
				n++
			}
		}
		return float64(n) / time.Since(start).Seconds(), n
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
	}
	ourRate, _ := rate(func(s string) { eng.Analyze(analyze.Input{Text: s}) })
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	bareRate, _ := rate(func(s string) { noPlaces.Analyze(analyze.Input{Text: s}) })
	sia := govader.NewSentimentIntensityAnalyzer()
	vaderRate, _ := rate(func(s string) { sia.PolarityScores(s) })

	// The stages on their own, on the same posts, so a change to one shows
	// where the chain's time went (the chain also pays for glue: the
	// place-masked language pass, result building).
	gaz, err := place.Default()
	if err != nil {
		return err
	}
	stages := []struct {
		name string
		fn   func(string)
	}{
		{"Score (featurise + heads + lexicons)", func(s string) { eng.Score(s) }},
		{"places.Find", func(s string) { gaz.Find(s, nil, nil, "") }},
		{"pii.Find", func(s string) { pii.Find(s) }},
		{"simhash.Of", func(s string) { simhash.Of(s) }},
	}
	stageRates := make([]float64, len(stages))
	for i, st := range stages {
		stageRates[i], _ = rate(st.fn)
	}

	// English sentiment dev split: ours vs govader (compound ±0.05).
	labels := []string{"negative", "neutral", "positive"}
	var ours, vader [3][3]int
	for _, it := range d.SentEN {
		if it.Group != "dev" {
			continue
		}
		g := benchIndex(labels, it.Label)
		ours[g][benchIndex(labels, eng.Analyze(analyze.Input{Text: it.Text}).Sentiment.Label)]++
		c := sia.PolarityScores(it.Text).Compound
		v := 1
		if c >= 0.05 {
			v = 2
		} else if c <= -0.05 {
			v = 0
		}
		vader[g][v]++
	}
	w := env.stdout
	fmt.Fprintf(w, "## Analysis\n\n`kaval bench analyze` (also `kaval bench-analyze`), one core (GOMAXPROCS=1), %d posts of 80–280 characters (mean %d) from sentiment-en, KanCMD, SentiMix, mumbai-urban-issues and offensive sets.\n\n",
		len(posts), chars/len(posts))
	fmt.Fprintf(w, "| measure | kaval analyze (whole chain) | govader (sentiment only) |\n|---|---|---|\n")
	fmt.Fprintf(w, "| posts/s on one core | %.0f (%.1f µs/post) | %.0f |\n", ourRate, 1e6/ourRate, vaderRate)
	fmt.Fprintf(w, "| posts/s on one core without places | %.0f (%.1f µs/post) | – |\n", bareRate, 1e6/bareRate)
	fmt.Fprintf(w, "| English sentiment macro-recall (TweetEval val) | %.3f | %.3f |\n", macroRecall(ours), macroRecall(vader))
	fmt.Fprintf(w, "| model load (Default: decode + engine) | %s (decode alone %s) | – |\n", load.Round(time.Microsecond), decode.Round(time.Microsecond))
	fmt.Fprintf(w, "| heap after load | +%.1f MB | – |\n", float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6)
	fmt.Fprintf(w, "| embedded model size | %.1f MB | – |\n\n", float64(len(raw))/1e6)
	fmt.Fprintf(w, "| stage alone (same posts, one core) | µs/post |\n|---|---|\n")
	for i, st := range stages {
		fmt.Fprintf(w, "| %s | %.1f |\n", st.name, 1e6/stageRates[i])
	}
	fmt.Fprintln(w)
	return nil
}

// writeBenchJSONL writes posts as `kaval analyze` input lines.
func writeBenchJSONL(path string, posts []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	var b []byte
	for i, p := range posts {
		b = append(b[:0], `{"id":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"text":`...)
		b = post.AppendJSONString(b, p)
		b = append(b, "}\n"...)
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func benchIndex(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 1
}

func macroRecall(c [3][3]int) float64 {
	s := 0.0
	for i := range c {
		n := c[i][0] + c[i][1] + c[i][2]
		if n > 0 {
			s += float64(c[i][i]) / float64(n)
		}
	}
	return s / 3
}
