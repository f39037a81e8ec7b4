package place

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/devsample"
	"github.com/kaval-desk/kaval/internal/analyze/normalize"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// tokenizeRef is tokenize as it was before keys were built in the
// scanning pass: tokens first, then every key in a second pass. The two
// must give the same tokens and keys on every input.
func tokenizeRef(text string, toks []token, buf []byte) ([]token, []byte) {
	i := 0
	for i < len(text) {
		if c := text[i]; c < 0x80 {
			if !asciiWord[c] {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(text[i:]); !isWordRune(r) {
			i += size
			continue
		}
		st := i
		ascii, digits := true, true
		for i < len(text) {
			if c := text[i]; c < 0x80 {
				if !asciiWord[c] {
					break
				}
				if c > '9' {
					digits = false
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			ascii, digits = false, false
			i += size
		}
		t := token{start: st, end: i, latin: ascii, digits: digits, upper: text[st] >= 'A' && text[st] <= 'Z'}
		// Merge initials: previous token was a single letter (or merged
		// initials) and this one is a single letter, separated by at most
		// ". " / "." / " ".
		if ascii && i-st == 1 && !digits && len(toks) > 0 {
			p := &toks[len(toks)-1]
			gap := text[p.end:st]
			if p.latin && !p.digits && isInitials(text[p.start:p.end]) && len(gap) <= 2 && strings.Trim(gap, ". ") == "" {
				p.end = i
				continue
			}
		}
		toks = append(toks, t)
	}
	// All keys go into buf one after another; a token's key aliases its
	// part of buf (earlier backing arrays stay valid if buf grows).
	buf = buf[:0]
	for k := range toks {
		t := &toks[k]
		w := text[t.start:t.end]
		st := len(buf)
		if t.latin {
			for j := 0; j < len(w); j++ {
				c := w[j]
				if c >= 'A' && c <= 'Z' {
					c += 32
				}
				if c == '.' || c == ' ' {
					continue
				}
				buf = append(buf, c)
			}
			n := len(skeleton(buf[st:]))
			buf = buf[:st+n]
		} else if normalize.Folded(w) {
			// Already its own fold but for ASCII case (most Kannada
			// words): skip Fold's passes and allocations.
			for j := 0; j < len(w); j++ {
				c := w[j]
				if c >= 'A' && c <= 'Z' {
					c += 32
				}
				buf = append(buf, c)
			}
		} else {
			buf = append(buf, textnorm.Fold(w)...)
		}
		t.key = buf[st:len(buf):len(buf)]
	}
	return toks, buf
}

func sameTokens(t testing.TB, text string) {
	t.Helper()
	got, _ := tokenize(text, nil, nil)
	want, _ := tokenizeRef(text, nil, nil)
	if len(got) != len(want) {
		t.Fatalf("%q: %d tokens, reference %d", text, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.start != w.start || g.end != w.end || g.latin != w.latin || g.upper != w.upper || g.digits != w.digits || !bytes.Equal(g.key, w.key) {
			t.Fatalf("%q token %d: %+v (key %q), reference %+v (key %q)", text, i, g, g.key, w, w.key)
		}
	}
}

// tokenAlphabet leans on what the tokenizer treats specially: initials
// and their separators, letters skeleton rewrites, digits, Kannada with
// case endings, text that is not in NFC, zero-width joiners, invalid
// UTF-8.
var tokenAlphabet = []string{"a", "e", "i", "o", "u", "h", "k", "c", "w", "z", "y", "s", "t", "m", "A", "E", "H", "K", "J", "P", "R",
	"0", "4", "9", ".", ". ", " ", "  ", "-", "'", "ಕೋ", "ರ", "ಮಂ", "ಗಲ", "ದಲ್ಲಿ", "\u200c", "\u200d", "e\u0301", "É", "ß", "ﬁ", "\xff", "क़", "🙂"}

func TestTokenizeMatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for range 100000 {
		var b strings.Builder
		for n := 1 + r.Intn(12); n > 0; n-- {
			b.WriteString(tokenAlphabet[r.Intn(len(tokenAlphabet))])
		}
		sameTokens(t, b.String())
	}
	for _, c := range handSet {
		sameTokens(t, c.text)
	}
	for _, s := range []string{"J.P. Nagar", "J. P. Nagar", "H.S.R.Layout", "K R Puram", "a b c d e f", "A.B.C.D.E.F.G.H.I.J.K", "x.y. 1.2", "ಕೋರಮಂಗಲದಲ್ಲಿ J.P."} {
		sameTokens(t, s)
	}
	posts, err := devsample.Posts(2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		sameTokens(t, p)
	}
}

func FuzzTokenizeReference(f *testing.F) {
	for _, c := range handSet[:10] {
		f.Add(c.text)
	}
	f.Add("J.P. K. R. \xff ಕೋರಮಂಗಲದಲ್ಲಿ 560034 4th e\u0301")
	f.Fuzz(func(t *testing.T, s string) { sameTokens(t, s) })
}
