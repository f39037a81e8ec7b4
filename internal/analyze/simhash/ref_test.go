package simhash

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// ofRef is Of as first written (always textnorm.Fold for text that is
// not ASCII, no byte tables); Of must agree with it on every input.
func ofRef(text string) uint64 {
	if !isASCIIRef(text) {
		// Kannada and other scripts: NFC, zero-width characters removed,
		// case folded, so visually equal copies hash equal. (Text that
		// is already in that form but for ASCII case and spacing, as
		// most is, hashes the same without the pass.)
		text = textnorm.Fold(text)
	}
	// Bit counting in SWAR form: counters[i] holds eight 8-bit lanes, the
	// number of (weighted) features with bit 8*i+k set; flushed into acc
	// before a lane can overflow. Eight additions per feature instead of
	// sixty-four.
	var acc [64]int32
	var counters [8]uint64
	var total, pending int32
	var prev uint64
	havePrev := false
	first := true
	n := 0
	flushCounters := func() {
		for i := range counters {
			c := counters[i]
			for k := 0; k < 8; k++ {
				acc[i*8+k] += int32(c >> (8 * k) & 0xff)
			}
			counters[i] = 0
		}
		pending = 0
	}
	add := func(h uint64, w int32) {
		for i := 0; i < 8; i++ {
			counters[i] += spread[byte(h>>(8*i))] * uint64(w)
		}
		total += w
		if pending += w; pending > 250 {
			flushCounters()
		}
	}
	i := 0
	for i < len(text) {
		// Skip to the next token start.
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRuneRef(r) && r != '@' && r != '#' {
			i += size
			continue
		}
		start := i
		// A token runs to the next white space.
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		tok := text[start:j]
		i = j
		if tok[0] == '@' || hasPrefixFold(tok, "http://") || hasPrefixFold(tok, "https://") || hasPrefixFold(tok, "www.") {
			continue
		}
		if first && (tok == "RT" || tok == "rt" || tok == "RT:" || tok == "rt:") {
			first = false
			continue
		}
		first = false
		// Hash the word characters of the token, lower-casing ASCII;
		// punctuation and emoji inside the token split it into words.
		h := uint64(fnvOffset)
		empty := true
		flush := func() {
			if empty {
				return
			}
			add(h, wordWeight)
			if havePrev {
				add((prev*31+h)*fnvPrime^prev>>7, bigramWeight)
			}
			prev, havePrev = h, true
			n++
			h, empty = fnvOffset, true
		}
		for k := 0; k < len(tok); {
			r, size := utf8.DecodeRuneInString(tok[k:])
			k += size
			if !isWordRuneRef(r) {
				flush()
				continue
			}
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			for b := 0; b < size; b++ {
				var c byte
				if size == 1 {
					c = byte(r)
				} else {
					c = tok[k-size+b]
				}
				h ^= uint64(c)
				h *= fnvPrime
			}
			empty = false
		}
		flush()
	}
	if n == 0 {
		return 0
	}
	flushCounters()
	var out uint64
	for b := 0; b < 64; b++ {
		if 2*acc[b] > total {
			out |= 1 << uint(b)
		}
	}
	return out
}

func isWordRuneRef(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func TestOfMatchesReference(t *testing.T) {
	pieces := []string{"RT", "rt:", "@user", "#Tag", "http://x.y/z", "HTTPS://A", "www.b.c", "Silk", "BOARD", "jam!!", "2024",
		"ಕೋರಮಂಗಲದಲ್ಲಿ", "ಕೆ\u0cc2", "मदद", "😡🚗", "…", "a\u200db", "\u00a0", "\u2003", "\xff", "\x01", "\t", "\n", "\r\n", " ", "  ", ",", "e\u0301", "Straße"}
	r := rand.New(rand.NewPCG(9, 9))
	for range 50000 {
		var b strings.Builder
		for range 1 + r.IntN(20) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			if r.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		s := b.String()
		if got, want := Of(s), ofRef(s); got != want {
			t.Fatalf("%q: %016x, reference %016x", s, got, want)
		}
	}
	for _, s := range append(foldCases, rumour, "", "@a http://x RT hi", "RT @a: https://b RT", strings.Repeat("ab cd ", 300)) {
		if got, want := Of(s), ofRef(s); got != want {
			t.Fatalf("%q: %016x, reference %016x", s, got, want)
		}
	}
	// Real posts of every language in the benchmark's sample.
	posts, err := devsample.Posts(2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range posts {
		if got, want := Of(s), ofRef(s); got != want {
			t.Fatalf("%q: %016x, reference %016x", s, got, want)
		}
	}
}

func FuzzOfReference(f *testing.F) {
	f.Add(rumour)
	for _, s := range foldCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Of(s), ofRef(s); got != want {
			t.Fatalf("%q: %016x, reference %016x", s, got, want)
		}
	})
}

func isASCIIRef(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
