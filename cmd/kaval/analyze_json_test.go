package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze"
)

// slowParse is what analyzeOne did before the fast path: encoding/json
// and validID.
func slowParse(line []byte) (analyzeLine, bool) {
	var in analyzeLine
	if json.Unmarshal(line, &in) != nil || len(in.ID) > 0 && !validID(in.ID) {
		return in, false
	}
	return in, true
}

var parseSeeds = []string{
	`{"id":1,"text":"hello"}`,
	`{"id":"a<b>&\u2028","text":"Fire near Silk Board\n\"now\" \u0c95\u00e9 😀","platform":"x","author_location":"Koramangala","lat":12.93,"lon":77.62}`,
	` { "text" : "x" , "id" : -0.5e+3 } `,
	`{"text":"a","text":"b"}`,
	`{"id":01,"text":"a"}`,
	`{"id":1.,"text":"a"}`,
	`{"id":null,"text":"a"}`,
	`{"id":{"a":1},"text":"a"}`,
	`{"Text":"a"}`,
	`{"text":"\ud83d\ude00"}`,
	`{"text":"\ud83d"}`,
	"{\"text\":\"bad \xff utf8\"}",
	"{\"text\":\"ctl \x01\"}",
	`{"text":"a","lat":1e999}`,
	`{"id":1e400,"text":"a"}`,
	`{"id":-0,"text":"a"}`,
	`{"text":"a","lat":"12.9"}`,
	`{"text":"a"} x`,
	`{"text":"a",}`,
	`{}`,
	`[]`,
	`{"extra":[1,2],"text":"a"}`,
	`{"text":"\/\b\f\r\t\\"}`,
	`{"created_at":"2026-12-07","user":{"id":5,"name":"A","tags":[1,-2.5e3,true,false,null,{"x":[]}]},"id":"9","text":"near HSR"}`,
	`{"TEXT":"a","text":"b"}`,
	`{"te\u0078t":"a"}`,
	`{"user":{"a":1,},"text":"a"}`,
	`{"user":[1 2],"text":"a"}`,
	`{"user":tru,"text":"a"}`,
	"{\"\u017fomething\":1,\"text\":\"a\"}",
}

// FuzzParseAnalyzeLine: wherever the fast parser accepts a line, encoding/json
// reads the same line to the same values.
func FuzzParseAnalyzeLine(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var fast analyzeLine
		if !parseAnalyzeLine(line, &fast) {
			return
		}
		slow, ok := slowParse(line)
		if !ok {
			t.Fatalf("fast path accepted what encoding/json refuses: %q", line)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q:\nfast %+v\nslow %+v", line, fast, slow)
		}
	})
}

func TestParseAnalyzeLineSeeds(t *testing.T) {
	accepted := 0
	for _, s := range parseSeeds {
		var fast analyzeLine
		if !parseAnalyzeLine([]byte(s), &fast) {
			continue
		}
		accepted++
		slow, ok := slowParse([]byte(s))
		if !ok || !reflect.DeepEqual(fast, slow) {
			t.Errorf("%q: fast %+v slow %+v (ok %v)", s, fast, slow, ok)
		}
	}
	if accepted < 5 {
		t.Errorf("the fast path took only %d of the common lines", accepted)
	}
}

// TestAnalyzeOneMatchesMarshal: the hand-written output line is what
// json.Marshal of the old output struct wrote, for posts with places,
// personal data, odd ids and every language.
func TestAnalyzeOneMatchesMarshal(t *testing.T) {
	eng, err := analyze.Default()
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`{"id":7,"text":"Fire near Koramangala 5th block, call 9876543210 now!!","lat":12.935,"lon":77.624}`,
		`{"id":"tw<1>&","text":"ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ ಆಗಿದೆ","author_location":"Jayanagar, Bengaluru"}`,
		`{"id":-1.5e3,"text":"yaar traffic bahut hai silk board pe, koi help karo"}`,
		`{"text":"Привет мир, это тест"}`,
		`{"id":"x","text":"<script>alert(1)</script> \u2028 near MG Road metro"}`,
		`{"ID":3,"Text":"fallback path near HSR layout"}`,
	}
	for _, l := range lines {
		got := analyzeOne(eng, []byte(l), []byte("keep"))
		if string(got[:4]) != "keep" {
			t.Fatalf("analyzeOne lost what was in dst")
		}
		in, ok := slowParse([]byte(l))
		if !ok {
			t.Fatalf("%s: not a valid line", l)
		}
		if len(in.ID) == 0 {
			in.ID = json.RawMessage("null")
		}
		a := eng.Analyze(analyze.Input{Text: *in.Text, Platform: in.Platform, AuthorLocation: in.AuthorLocation, Lat: in.Lat, Lon: in.Lon})
		want, err := json.Marshal(analyzeOut{ID: in.ID, Analysis: a})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[4:], append(want, '\n')) {
			t.Errorf("%s:\n got %s\nwant %s", l, got[4:], want)
		}
	}
}
