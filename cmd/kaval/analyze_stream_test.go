package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze"
	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

// analyzeStreamRef is analyzeStream as it was before session 9 (a reader
// goroutine, a writer goroutine and workers between them, each line read
// into an allocation of its own): the reference the new stream is held to.
func analyzeStreamRef(ctx context.Context, eng *analyze.Engine, r io.Reader, w io.Writer, workers int) error {
	type batch struct {
		lines [][]byte
		out   []byte
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
		line, tooLong, err := readAnalyzeLineRef(br, maxAnalyzeLine)
		if err != nil {
			if err != io.EOF {
				readErr = fmt.Errorf("unable to read input: %w", err)
			}
			if len(line) == 0 {
				break
			}
		}
		if tooLong {
			cur.lines = append(cur.lines, nil)
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

func readAnalyzeLineRef(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
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

// hostileLines are input lines of every awkward kind: invalid UTF-8,
// control characters, U+2028/9, HTML characters, escapes and surrogates,
// other keys, bad JSON, odd ids, blank and white-space lines, CR LF.
func hostileLines() []string {
	return []string{
		`{"id":1,"text":"Fire near Silk Board \u2028 help <now> & \u2029 call 100"}`,
		"{\"id\":2,\"text\":\"raw \xe2\x80\xa8 line sep and \xe2\x80\xa9 para sep <b>&amp;</b>\"}",
		"{\"id\":3,\"text\":\"invalid \xff\xfe utf-8 \xc3 near Koramangala\"}",
		`{"id":4,"text":"control \u0000\u0001\u001f\u007f chars \t tab \" quote \\ backslash"}`,
		`{"id":"<script>","text":"</script><img src=x onerror=alert(1)> near MG Road metro"}`,
		`{"id":5,"text":"lone \ud800 surrogate and pair \ud83d\ude00 near HSR Layout"}`,
		`{"id":6,"text":"ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ ಆಗಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ","author_location":"Jayanagar"}`,
		`{"id":7.5e1,"text":"yaar traffic bahut hai silk board pe","lat":12.917,"lon":77.623}`,
		`{"id":8,"text":"payload","created_at":"x","user":{"a":[1,2,{"b":null}]},"Text":"other case"}`,
		`{"ID":9,"TEXT":"fallback path"}`,
		`{"id":10}`,
		`{"id":{"a":1},"text":"bad id"}`,
		`{not json`,
		`[1,2,3]`,
		`null`,
		"   ",
		"",
		"\t",
		"{\"id\":11,\"text\":\"crlf line\"}\r",
		`{"id":12,"text":"` + strings.Repeat("long post about potholes near Indiranagar 100 feet road ", 400) + `"}`,
		`{"id":1e400,"text":"huge id"}`,
		`{"id":-0,"text":"call 9876543210, vehicle KA01AB1234, PAN ABCDE1234F"}`,
		"{\"id\":13,\"text\":\"nul \x00 byte\"}",
		`{"id":14,"text":"@BlrCityPolice @blrcitytraffic accident on ORR near Marathahalli bridge!!!"}`,
		`  {"id":15,"text":"leading and trailing space"}  `,
	}
}

// streamInput is the hostile lines among the dev sample's posts, in a
// shuffled order, with or without a final newline.
func streamInput(t testing.TB, n int, seed uint64) []byte {
	posts, err := devsample.Posts(2000)
	if err != nil {
		t.Skipf("no dev sample: %v", err)
	}
	hostile := hostileLines()
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		if r.IntN(10) == 0 {
			b.WriteString(hostile[r.IntN(len(hostile))])
		} else {
			line, _ := json.Marshal(map[string]any{"id": i, "text": posts[r.IntN(len(posts))]})
			b.Write(line)
		}
		b.WriteByte('\n')
	}
	out := b.Bytes()
	if seed%2 == 1 {
		out = bytes.TrimSuffix(out, []byte("\n"))
	}
	return out
}

// TestAnalyzeStreamMatchesReference holds the stream to the previous
// implementation, byte for byte, on thousands of real posts and hostile
// lines, with one worker and several.
func TestAnalyzeStreamMatchesReference(t *testing.T) {
	eng, err := analyze.Default()
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(0); seed < 2; seed++ {
		in := streamInput(t, 3000, seed)
		var want bytes.Buffer
		if err := analyzeStreamRef(context.Background(), eng, bytes.NewReader(in), &want, 2); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 2, 7} {
			var got bytes.Buffer
			if err := analyzeStream(context.Background(), eng, bytes.NewReader(in), &got, workers); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				g, w := strings.Split(got.String(), "\n"), strings.Split(want.String(), "\n")
				for i := 0; i < min(len(g), len(w)); i++ {
					if g[i] != w[i] {
						t.Fatalf("seed %d, %d workers, line %d:\n got %s\nwant %s", seed, workers, i, g[i], w[i])
					}
				}
				t.Fatalf("seed %d, %d workers: %d lines, want %d", seed, workers, len(g), len(w))
			}
		}
	}
}

// TestAnalyzeStreamLongLines: a line over the limit is an error line in
// its place, and the lines around it (in the same batch buffer) keep
// their bytes.
func TestAnalyzeStreamLongLines(t *testing.T) {
	eng, err := analyze.Default()
	if err != nil {
		t.Fatal(err)
	}
	long := `{"id":1,"text":"` + strings.Repeat("x", maxAnalyzeLine) + `"}`
	in := `{"id":0,"text":"before near Jayanagar"}` + "\n" + long + "\n" + `{"id":2,"text":"after near Hebbal"}` + "\n" + long
	for _, workers := range []int{1, 3} {
		var got, want bytes.Buffer
		if err := analyzeStream(context.Background(), eng, strings.NewReader(in), &got, workers); err != nil {
			t.Fatal(err)
		}
		if err := analyzeStreamRef(context.Background(), eng, strings.NewReader(in), &want, workers); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("%d workers:\n got %s\nwant %s", workers, got.String(), want.String())
		}
		if n := strings.Count(got.String(), "longer than"); n != 2 {
			t.Fatalf("%d too-long errors, want 2: %s", n, got.String())
		}
	}
}

// failAfter fails every write after the first n bytes.
type failAfter struct{ n int }

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("broken pipe")
	}
	w.n -= len(p)
	return len(p), nil
}

// TestAnalyzeStreamStopsOnWriteError: once the output fails, the stream
// stops reading (an endless input would otherwise be analysed to its end)
// and reports the error.
func TestAnalyzeStreamStopsOnWriteError(t *testing.T) {
	eng, err := analyze.Default()
	if err != nil {
		t.Fatal(err)
	}
	src := &endless{}
	err = analyzeStream(context.Background(), eng, src, &failAfter{n: 1000}, 2)
	if err == nil || !strings.Contains(err.Error(), "unable to write output") {
		t.Fatalf("err = %v, want a write error", err)
	}
	if p := src.produced.Load(); p > 20*analyzeBatchSize {
		t.Fatalf("%d lines read after the output failed", p)
	}
}

// FuzzAnalyzeStream: any input gives the reference's output.
func FuzzAnalyzeStream(f *testing.F) {
	for _, l := range hostileLines() {
		f.Add([]byte(l + "\n" + l))
	}
	f.Add([]byte("\n\n\r\n{\"id\":1,\"text\":\"a\"}\r\n\r"))
	eng, err := analyze.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var got, want bytes.Buffer
		errGot := analyzeStream(context.Background(), eng, bytes.NewReader(in), &got, 3)
		errWant := analyzeStreamRef(context.Background(), eng, bytes.NewReader(in), &want, 3)
		if (errGot == nil) != (errWant == nil) || !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("input %q:\n got %s (%v)\nwant %s (%v)", in, got.Bytes(), errGot, want.Bytes(), errWant)
		}
	})
}
