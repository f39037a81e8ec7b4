package lang

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
)

// countRef is Count as first written, a rune at a time; Count must
// agree with it on every input.
func countRef(text string) Counts {
	var c Counts
	n := 0
	for _, r := range text {
		if n++; n > 4000 {
			break
		}
		if r < utf8.RuneSelf {
			if r|0x20 >= 'a' && r|0x20 <= 'z' {
				c.N[0]++
				c.Letters++
			}
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			continue
		}
		c.N[scriptIndex(r)]++
		c.Letters++
	}
	return c
}

func TestCountMatchesReference(t *testing.T) {
	// Every ASCII byte (the eight-byte path's edges: @ [ ` { and DEL),
	// scripts, marks, invalid UTF-8; lengths around the 4,000-rune cap.
	var pieces []string
	for c := 0; c < 0x80; c++ {
		pieces = append(pieces, string(rune(c)))
	}
	pieces = append(pieces, "ಕನ್ನಡ", "हिंदी", "தமிழ்", "اردو", "é", "e\u0301", "ẞ", "😀", "\xff", "\xe0\xb2", "Koramangala ", "traffic jam ")
	r := rand.New(rand.NewPCG(7, 8))
	check := func(s string) {
		if got, want := Count(s), countRef(s); got != want {
			t.Fatalf("%q: %+v, reference %+v", s, got, want)
		}
	}
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(40) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		check(b.String())
	}
	for _, n := range []int{3990, 3992, 3999, 4000, 4001, 4007, 4008, 4009, 4100} {
		check(strings.Repeat("a", n))
		check(strings.Repeat("a", n-1) + "ಕ" + strings.Repeat("b", 20))
		check("ಕ" + strings.Repeat("Zz", n/2))
	}
	posts, err := devsample.Posts(2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		check(p)
	}
}

func FuzzCountReference(f *testing.F) {
	f.Add("Fire near Silk Board ಕೋರಮಂಗಲ हिंदी 😀 \xff")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Count(s), countRef(s); got != want {
			t.Fatalf("%q: %+v, reference %+v", s, got, want)
		}
	})
}
