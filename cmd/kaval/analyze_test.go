package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

func runAnalyzeCmd(t *testing.T, stdin io.Reader, stdout io.Writer, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	env := &cliEnv{stdin: stdin, stdout: stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := runMain(context.Background(), env, append([]string{"analyze"}, args...))
	return code, stderr.String()
}

func TestAnalyzeCommandOrderAndErrors(t *testing.T) {
	var in strings.Builder
	const n = 700 // several batches of 256, so workers finish out of order
	for i := 0; i < n; i++ {
		switch i {
		case 3:
			in.WriteString("{not json\n")
		case 5:
			in.WriteString(`{"id":"x5"}` + "\n")
		case 7:
			in.WriteString(`{"id":{"a":1},"text":"hi"}` + "\n")
		case 9:
			in.WriteString("\n") // blank lines are skipped
			fmt.Fprintf(&in, `{"id":%d,"text":"Fire near Silk Board, help now!"}`+"\n", i)
		default:
			fmt.Fprintf(&in, `{"id":%d,"text":"post number %d about traffic on Hosur road"}`+"\n", i, i)
		}
	}
	var out bytes.Buffer
	code, stderr := runAnalyzeCmd(t, strings.NewReader(in.String()), &out, "--workers", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d output lines for %d posts", len(lines), n)
	}
	for i, l := range lines {
		var got struct {
			ID        json.RawMessage `json:"id"`
			Error     string          `json:"error"`
			Lang      string          `json:"lang"`
			Emergency struct {
				Label bool `json:"label"`
			} `json:"emergency"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i, err, l)
		}
		switch i {
		case 3:
			if !strings.Contains(got.Error, "invalid JSON") || string(got.ID) != "null" {
				t.Errorf("line 3: want an invalid JSON error, got %s", l)
			}
		case 5:
			if got.Error != "missing text" || string(got.ID) != `"x5"` {
				t.Errorf("line 5: want missing text for x5, got %s", l)
			}
		case 7:
			if !strings.Contains(got.Error, "id must be") {
				t.Errorf("line 7: want an id error, got %s", l)
			}
		default:
			if got.Error != "" || string(got.ID) != fmt.Sprint(i) {
				t.Fatalf("line %d out of order or failed: %s", i, l)
			}
			if i != 9 && got.Lang != "en" {
				t.Errorf("line %d: lang %q", i, got.Lang)
			}
			if i == 9 && !got.Emergency.Label {
				t.Errorf("line 9: a fire with a cry for help must be an emergency: %s", l)
			}
		}
	}
}

// endless yields JSON lines until stopped, counting how many it produced.
type endless struct {
	produced atomic.Int64
	stop     atomic.Bool
	buf      []byte
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.buf) == 0 {
		if e.stop.Load() {
			return 0, io.EOF
		}
		i := e.produced.Add(1)
		e.buf = fmt.Appendf(nil, `{"id":%d,"text":"streaming post %d about a pothole near Jayanagar"}`+"\n", i, i)
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	return n, nil
}

// firstLines stops the input once it has seen enough output: output must
// flow while input is still being read (streaming, bounded memory), not
// after the whole input has been buffered.
type firstLines struct {
	src    *endless
	lines  int
	want   int
	seenAt int64 // input lines produced when the first output line arrived
}

func (w *firstLines) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			w.lines++
			if w.lines == 1 {
				w.seenAt = w.src.produced.Load()
			}
			if w.lines >= w.want {
				w.src.stop.Store(true)
			}
		}
	}
	return len(p), nil
}

func TestAnalyzeCommandStreams(t *testing.T) {
	src := &endless{}
	w := &firstLines{src: src, want: 20000}
	code, stderr := runAnalyzeCmd(t, bufio.NewReader(src), w, "--workers", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if w.lines < w.want {
		t.Fatalf("only %d lines out", w.lines)
	}
	// The input is unbounded until output arrives: if the command buffered
	// everything it would never stop. The window in flight stays small.
	if w.seenAt > 10000 {
		t.Errorf("first output after %d input lines: the command buffers its input", w.seenAt)
	}
	if produced := src.produced.Load(); produced > int64(w.lines)+10000 {
		t.Errorf("%d lines read for %d written: unbounded read-ahead", produced, w.lines)
	}
}
