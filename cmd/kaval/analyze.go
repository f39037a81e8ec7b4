package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/post"
)

func init() {
	register(command{name: "analyze", summary: "analyse JSON-lines posts from stdin, one analysis per line on stdout", run: runAnalyze})
}

// analyzeLine is one input line of `kaval analyze`.
type analyzeLine struct {
	ID             json.RawMessage `json:"id"`
	Text           *string         `json:"text"`
	Platform       string          `json:"platform"`
	AuthorLocation string          `json:"author_location"`
	Lat            *float64        `json:"lat"`
	Lon            *float64        `json:"lon"`
}

type analyzeOut struct {
	ID json.RawMessage `json:"id"`
	post.Analysis
}

type analyzeErr struct {
	ID    json.RawMessage `json:"id"`
	Error string          `json:"error"`
}

// maxAnalyzeLine bounds one input line; longer lines get an error line.
const maxAnalyzeLine = 4 << 20

func runAnalyze(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "analyze", "[--workers N] < posts.jsonl > analyses.jsonl")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "parallel workers (output stays in input order)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	eng, err := analyze.Default()
	if err != nil {
		return err
	}
	return analyzeStream(ctx, eng, env.stdin, env.stdout, max(1, *workers))
}

// analyzeStream reads lines, analyses them on workers and writes results in
// input order. Memory is bounded: at most a window of batches is in flight.
func analyzeStream(ctx context.Context, eng *analyze.Engine, r io.Reader, w io.Writer, workers int) error {
	type batch struct {
		lines [][]byte
		out   []byte // the batch's output lines, in order
		done  chan struct{}
	}
	const batchSize = 256
	jobs := make(chan *batch, workers*2)
	order := make(chan *batch, workers*2)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				out := make([]byte, 0, 512*len(b.lines))
				for _, l := range b.lines {
					out = analyzeOne(eng, l, out)
				}
				b.out = out
				close(b.done)
			}
		}()
	}
	writeErr := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(w, 1<<16)
		var err error
		for b := range order {
			<-b.done
			if err == nil {
				_, err = bw.Write(b.out)
			}
		}
		if err == nil {
			err = bw.Flush()
		}
		writeErr <- err
	}()

	br := bufio.NewReaderSize(r, 1<<16)
	cur := &batch{done: make(chan struct{})}
	var readErr error
	flush := func() {
		if len(cur.lines) == 0 {
			return
		}
		order <- cur
		jobs <- cur
		cur = &batch{done: make(chan struct{})}
	}
	for {
		if ctx.Err() != nil {
			readErr = ctx.Err()
			break
		}
		line, tooLong, err := readAnalyzeLine(br, maxAnalyzeLine)
		if err != nil {
			if err != io.EOF {
				readErr = fmt.Errorf("unable to read input: %w", err)
			}
			if len(line) == 0 {
				break
			}
		}
		if tooLong {
			cur.lines = append(cur.lines, nil) // nil: too long
		} else if len(bytes.TrimSpace(line)) == 0 && err == nil {
			continue
		} else if len(bytes.TrimSpace(line)) > 0 {
			cur.lines = append(cur.lines, line)
		}
		if len(cur.lines) >= batchSize {
			flush()
		}
		if err != nil {
			break
		}
	}
	flush()
	close(jobs)
	close(order)
	wg.Wait()
	if err := <-writeErr; err != nil {
		return fmt.Errorf("unable to write output: %w", err)
	}
	return readErr
}

// readAnalyzeLine reads one line up to max bytes; a longer line is consumed and
// reported as tooLong.
func readAnalyzeLine(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, e := br.ReadLine()
		if len(line)+len(chunk) > limit {
			tooLong = true
		} else {
			line = append(line, chunk...)
		}
		if e != nil {
			return line, tooLong, e
		}
		if !isPrefix {
			if tooLong {
				return nil, true, nil
			}
			return line, false, nil
		}
	}
}

// analyzeOne appends the output line for one input line to dst.
func analyzeOne(eng *analyze.Engine, line []byte, dst []byte) []byte {
	fail := func(id json.RawMessage, msg string) []byte {
		if len(id) == 0 {
			id = json.RawMessage("null")
		}
		b, _ := json.Marshal(analyzeErr{ID: id, Error: msg})
		return append(append(dst, b...), '\n')
	}
	if line == nil {
		return fail(nil, fmt.Sprintf("line longer than %d bytes", maxAnalyzeLine))
	}
	var in analyzeLine
	if !parseAnalyzeLine(line, &in) {
		// Not the common shape: encoding/json decides what it means.
		in = analyzeLine{}
		if err := json.Unmarshal(line, &in); err != nil {
			return fail(nil, "invalid JSON: "+err.Error())
		}
		if len(in.ID) > 0 && !validID(in.ID) {
			return fail(nil, "id must be a string or a number")
		}
	}
	if in.Text == nil {
		return fail(in.ID, "missing text")
	}
	if len(in.ID) == 0 {
		in.ID = json.RawMessage("null")
	}
	a := eng.Analyze(analyze.Input{Text: *in.Text, Platform: in.Platform, AuthorLocation: in.AuthorLocation, Lat: in.Lat, Lon: in.Lon})
	n := len(dst)
	dst = append(dst, `{"id":`...)
	dst = appendRawID(dst, in.ID)
	dst = append(dst, ',')
	out, err := a.AppendJSONFields(dst)
	if err != nil {
		dst = dst[:n] // fail appends to dst: drop the half-written line
		return fail(in.ID, "unable to encode: "+err.Error())
	}
	return append(out, '\n')
}

func validID(id json.RawMessage) bool {
	var v any
	if json.Unmarshal(id, &v) != nil {
		return false
	}
	switch v.(type) {
	case string, float64, nil:
		return true
	}
	return false
}
