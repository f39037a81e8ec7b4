// Command govaderjsonl is the yardstick for `kaval analyze`'s whole-process
// speed: govader (a Go port of VADER) run the plain way on the same JSON
// lines, one object {"id","text"} in and {"id","neg","neu","pos","compound"}
// out per line, with encoding/json and buffered I/O, one goroutine.
//
//	go build -o /tmp/govaderjsonl ./scripts/govaderjsonl
//	time /tmp/govaderjsonl < posts.jsonl > /dev/null
//	time kaval analyze < posts.jsonl > /dev/null
//
// Figures in docs/BENCHMARKS.md.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/jonreiter/govader"
)

type in struct {
	ID   json.RawMessage `json:"id"`
	Text string          `json:"text"`
}

type out struct {
	ID       json.RawMessage `json:"id"`
	Negative float64         `json:"neg"`
	Neutral  float64         `json:"neu"`
	Positive float64         `json:"pos"`
	Compound float64         `json:"compound"`
}

func main() {
	sia := govader.NewSentimentIntensityAnalyzer()
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<16), 4<<20)
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	enc := json.NewEncoder(w)
	for sc.Scan() {
		var p in
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			continue
		}
		if len(p.ID) == 0 {
			p.ID = json.RawMessage("null")
		}
		s := sia.PolarityScores(p.Text)
		if err := enc.Encode(out{ID: p.ID, Negative: s.Negative, Neutral: s.Neutral, Positive: s.Positive, Compound: s.Compound}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
