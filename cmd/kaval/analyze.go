package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

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
	if env.getenv("GOGC") == "" {
		// Loading builds ~40 MB of maps and slices of which ~13 MB stay:
		// at the default GOGC the collector ran five times during the
		// load, with assists on the loading goroutine. Off while loading,
		// then 400: with ~13 MB live the heap stays under ~70 MB and the
		// run collects a quarter as often (GOGC in the environment wins).
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
	}
	eng, err := analyze.Default()
	if err != nil {
		return err
	}
	if env.getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	return analyzeStream(ctx, eng, env.stdin, env.stdout, max(1, *workers))
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
