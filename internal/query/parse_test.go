package query

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCanonical(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"chain snatching", "chain AND snatching"},
		{`"Chain  Snatching"`, `"chain snatching"`},
		{"theft OR robbery", "theft OR robbery"},
		{"theft or robbery", "theft AND or AND robbery"}, // lower-case or is a word
		{"a OR b c", "a OR b AND c"},
		{"(a OR b) c", "(a OR b) AND c"},
		{"((a))", "a"},
		{"(a AND b) AND c", "a AND b AND c"},
		{"a OR (b OR c)", "a OR b OR c"},
		{"NOT NOT a", "a"},
		{"a NOT b", "a AND NOT b"},
		{"a AND NOT (b OR c)", "a AND NOT (b OR c)"},
		{"Snatch*", "snatch*"},
		{"fire NEAR/3 building", "fire NEAR/3 building"},
		{"fire NEAR building", "fire NEAR/5 building"},
		{`"fire brigade" NEAR/2 #Fire`, `"fire brigade" NEAR/2 #fire`},
		{"#BengaluruRains @BLRCityPolice", "#bengalururains AND @blrcitypolice"},
		{"lang:KN lang:kn-latn", "lang:kn AND lang:kn-Latn"},
		{"platform:X", "platform:x"},
		{`station:"adugodi ps"`, `station:"Adugodi PS"`},
		{"category:theft sentiment:Negative", "category:theft AND sentiment:negative"},
		{"urgency>60 urgency>=1 urgency<5 urgency<=5 urgency:7 urgency=8", "urgency>60 AND urgency>=1 AND urgency<5 AND urgency<=5 AND urgency=7 AND urgency=8"},
		{"emergency:yes", "emergency:true"},
		{"author:@SomeOne", "author:someone"},
		{"near:koramangala", `near:"koramangala"`},
		{`near:"HSR Layout"~3km`, `near:"HSR Layout"~3km`},
		{`near:Jayanagar~500m`, `near:"Jayanagar"~0.5km`},
		{"e-mail", `"e mail"`},
		{"ಕೋರಮಂಗಲದಲ್ಲಿ ಕಳ್ಳತನ", "ಕೋರಮಂಗಲದಲ್ಲಿ AND ಕಳ್ಳತನ"},
		{"चोरी OR chori", "चोरी OR chori"},
		{"#ಬೆಂಗಳೂರು", "#ಬೆಂಗಳೂರು"},
		{"ಕೋರ\u200dಮಂಗಲ", "ಕೋರಮಂಗಲ"},
	} {
		q, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := q.String(); got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
		}
		q2, err := Parse(q.String())
		if err != nil || q2.String() != q.String() {
			t.Errorf("round trip of %q: %v %v", q.String(), q2, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		in       string
		col      int
		contains string
	}{
		{"", 1, "empty"},
		{"   ", 1, "empty"},
		{"theft AND", 10, "after AND"},
		{"theft OR )", 10, "after OR"},
		{"(theft", 1, "never closed"},
		{"theft)", 6, "closes no"},
		{`"chain snatching`, 1, "no closing"},
		{"foo:bar", 1, `unknown field "foo"`},
		{"lang:kannada", 1, "language code"},
		{"platform:orkut", 1, `unknown platform "orkut"`},
		{"category:stuff", 1, `unknown category "stuff"`},
		{"sentiment:angry", 1, "negative, neutral or positive"},
		{"urgency>200", 1, "0 to 100"},
		{"urgency>", 9, "a value after urgency>"},
		{"emergency:maybe", 1, "true or false"},
		{"station:Nowhere", 1, `no station is called "Nowhere"`},
		{"station:adugodi", 1, `did you mean "Adugodi PS"`},
		{"near:Zzyzxqq", 1, "no place called"},
		{"near:Koramangala~90km", 1, "100 m to 25 km"},
		{"NOT theft", 1, "only excludes"},
		{"a OR NOT b", 1, "only excludes"},
		{"sn*tch", 3, "may only come last"},
		{"s*", 1, "at least 2"},
		{"!!!", 1, "no letters or digits"},
		{"a NEAR/0 b", 8, "distance"},
		{"a NEAR/x b", 8, "distance"},
		{"category:theft NEAR b", 1, "before it is not one"},
		{"a NEAR (b OR c)", 8, "after it is not one"},
		{"a NEAR b NEAR c", 10, "chain"},
		{"#", 2, "hashtag"},
		{"@ x", 2, "handle"},
		{"#tag!x", 5, "white space"},
		{"ಕಳ್ಳತನ AND", 11, "after AND"},
		{"lang=kn", 5, "':' after lang"},
		{strings.Repeat("(", 20) + "a" + strings.Repeat(")", 20), 17, "nests"},
		{strings.Repeat("a ", 70), 129, "more than 64 terms"},
		{strings.Repeat("a", MaxQueryBytes+1), MaxQueryBytes + 1, "longer than"},
		{"a \xff", 3, "UTF-8"},
	} {
		_, err := Parse(c.in)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a *Error", c.in, err)
			continue
		}
		if pe.Column != c.col || !strings.Contains(pe.Message, c.contains) {
			t.Errorf("Parse(%q): column %d %q; want column %d containing %q", c.in, pe.Column, pe.Message, c.col, c.contains)
		}
		if pe.Offset < 0 || pe.Offset > len(c.in) {
			t.Errorf("Parse(%q): offset %d out of range", c.in, pe.Offset)
		}
	}
}

// The trailing punctuation of a sentence is not part of a hashtag.
func TestTagPunctuation(t *testing.T) {
	q, err := Parse("#traffic, @blrcitypolice.")
	if err != nil {
		t.Fatal(err)
	}
	if q.String() != "#traffic AND @blrcitypolice" {
		t.Fatal(q.String())
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"chain snatching", `"fire brigade" NEAR/2 #fire OR (a AND NOT b)`, "lang:kn platform:x urgency>60",
		`station:"Adugodi PS" near:Koramangala~3km`, "ಕೋರಮಂಗಲ OR चोरी", `"a \" b"`, "snatch* emergency:true author:x",
		"((a OR b) c) NOT d", "#ಬೆಂಗಳೂರು @a.b-c", "e-mail 10:30",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): error %v is not a *Error", s, err)
			}
			if pe.Offset < 0 || pe.Offset > len(s) || pe.Column < 1 {
				t.Fatalf("Parse(%q): bad position %+v", s, pe)
			}
			return
		}
		c := q.String()
		q2, err := Parse(c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, s, err)
		}
		if c2 := q2.String(); c2 != c {
			t.Fatalf("canonical of %q: %q then %q", s, c, c2)
		}
	})
}
