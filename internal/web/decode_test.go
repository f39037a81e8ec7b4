package web

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

type fuzzTarget struct {
	Name   string            `json:"name"`
	Count  int64             `json:"count"`
	OK     bool              `json:"ok"`
	Tags   []string          `json:"tags"`
	Nested *struct{ X int }  `json:"nested"`
	Extra  map[string]string `json:"extra"`
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"ಕಳ್ಳತನ","count":3,"ok":true,"tags":["a"],"nested":{"X":1},"extra":{"k":"v"}}`,
		`{}`, ` {} `, `{"name":1}`, `{"count":"1"}`, `{"count":1e400}`, `{"nested":{"Y":1}}`, `{"unknown":1}`,
		`{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{}{}`, `[]`, `null`, `"x"`, `{"name":"a"} x`, `{"name":`,
		`{"tags":[1]}`, `{"extra":{"k":1}}`, "\ufeff{}", `{"name":"a","name":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"extra":{"a":"1","b":"2","a":"3"}}`))
	f.Add([]byte(`{"tags":["a","a"],"nested":{"X":1},"name":"n"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v fuzzTarget
		err := decodeBytes(data, &v)
		if err == nil {
			if !utf8.Valid(data) || !json.Valid(data) {
				t.Fatalf("accepted invalid input %q", data)
			}
			// Whatever we accepted, the standard strict decoder agrees on.
			var w fuzzTarget
			if json.Unmarshal(data, &w) != nil {
				t.Fatalf("accepted %q which json.Unmarshal rejects", data)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Code == "" || e.Message == "" {
			t.Fatalf("input %q: error %#v is not a clear 4xx", data, err)
		}
	})
}

func TestDuplicateKeys(t *testing.T) {
	for in, want := range map[string]string{
		`{"name":"a","name":"b"}`:                         "name",
		`{"extra":{"a":"1","b":"2","a":"3"}}`:             "a",
		`{"tags":["a","a"],"extra":{"a":"a"},"name":"a"}`: "",
		`{"nested":{"X":1},"extra":{"X":"1"}}`:            "",
		`{"tags":[],"extra":{},"name":"x","ok":true}`:     "",
	} {
		var v fuzzTarget
		err := decodeBytes([]byte(in), &v)
		var e *Error
		if want == "" && err != nil || want != "" && (!errors.As(err, &e) || e.Code != "duplicate_field" || e.Field != want) {
			t.Errorf("%s: %v, want duplicate %q", in, err, want)
		}
	}
}
