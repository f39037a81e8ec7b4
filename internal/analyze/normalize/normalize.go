// Package normalize adds to textnorm.Fold what matching social media text
// needs: hashtags split into words (#BengaluruTraffic → bengaluru traffic),
// elongations undone (pleeease → please) and common romanised spelling
// variants mapped to one form (plz → please, bachaooo → bachao). Lexicons,
// rules and listening queries match on this form.
package normalize

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/textnorm"
)

// variants maps spellings seen in Indian social media to one form.
var variants = map[string]string{
	"plz": "please", "pls": "please", "plzz": "please", "plss": "please", "pleas": "please", "plese": "please", "pleez": "please",
	"u": "you", "ur": "your", "r": "are", "thx": "thanks", "thnx": "thanks", "tnx": "thanks", "ty": "thanks",
	"bcoz": "because", "bcz": "because", "coz": "because", "cuz": "because", "b4": "before",
	"asap": "immediately", "immediatly": "immediately", "imediately": "immediately",
	"hlp": "help", "halp": "help", "polis": "police", "plice": "police", "cops": "police",
	"acc": "accident", "accdnt": "accident",
	// romanised Hindi
	"bachaao": "bachao", "bachav": "bachao", "bachaw": "bachao", "bacha": "bachao", "bachalo": "bachao",
	"jaldee": "jaldi", "jldi": "jaldi", "abi": "abhi", "abhee": "abhi", "turat": "turant",
	"nhi": "nahi", "nahin": "nahi", "nai": "nahi", "madad": "madad", "madat": "madad",
	"chori": "chori", "chor": "chor",
	// romanised Kannada
	"kapadi": "kaapadi", "kaapaadi": "kaapadi", "kapaadi": "kaapadi", "kaapadri": "kaapadi",
	"sahaya": "sahaya", "sahaaya": "sahaya", "sayya": "sahaya", "ivaga": "eega", "iga": "eega", "eeega": "eega",
	"bega": "bega", "begaa": "bega",
}

//go:embed words.txt
var wordsTxt string

var (
	dictOnce sync.Once
	dict     map[string]float64 // word → cost (−log frequency rank)
	maxWord  int
)

func loadDict() {
	dict = map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(wordsTxt))
	rank := 0
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		rank++
		if _, ok := dict[w]; !ok {
			// Zipf: cost grows with the log of the rank.
			dict[w] = 1 + logRank(rank)
		}
		if n := utf8.RuneCountInString(w); n > maxWord {
			maxWord = n
		}
	}
}

func logRank(r int) float64 {
	c := 0.0
	for r > 1 {
		r >>= 1
		c++
	}
	return c
}

// Word returns the matching form of one already case-folded word: runs of
// three or more of the same letter collapsed to one (pleeease → please,
// hellppp → help), then spelling variants mapped. It returns w itself when
// nothing changes.
func Word(w string) string {
	if hasRun3(w) {
		w = collapse3(w)
	}
	if v, ok := variants[w]; ok {
		return v
	}
	return w
}

func hasRun3(w string) bool {
	var a, b rune = -1, -2
	for _, r := range w {
		if r == a && r == b {
			return true
		}
		b, a = a, r
	}
	return false
}

// collapse3 reduces every run of 3+ identical runes to one rune and leaves
// runs of two alone ("good" stays, "gooood" becomes "god" only if the word
// list does not know "good": see Word).
func collapse3(w string) string {
	rs := []rune(w)
	out := rs[:0:0]
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		if j-i >= 3 {
			// Prefer the doubled form when it is a known word.
			two := string(append(append(append([]rune{}, out...), rs[i], rs[i]), rs[j:]...))
			one := string(append(append(append([]rune{}, out...), rs[i]), rs[j:]...))
			dictOnce.Do(loadDict)
			if _, ok := dict[collapseAll(two)]; ok && !known(one) {
				out = append(out, rs[i], rs[i])
			} else {
				out = append(out, rs[i])
			}
		} else {
			out = append(out, rs[i:j]...)
		}
		i = j
	}
	return string(out)
}

func known(w string) bool {
	dictOnce.Do(loadDict)
	_, ok := dict[collapseAll(w)]
	return ok
}

// collapseAll applies the 3+ → 1 rule everywhere (for dictionary probes).
func collapseAll(w string) string {
	if !hasRun3(w) {
		return w
	}
	rs := []rune(w)
	out := rs[:0:0]
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		if j-i >= 3 {
			out = append(out, rs[i])
		} else {
			out = append(out, rs[i:j]...)
		}
		i = j
	}
	return string(out)
}

// SplitHashtag splits a hashtag body (without '#') into folded words:
// at case changes and letter/digit boundaries first (BengaluruTraffic,
// Traffic2024), then each all-lowercase piece by the cheapest segmentation
// into known words. Unknown pieces stay whole.
func SplitHashtag(tag string) []string {
	var parts []string
	rs := []rune(tag)
	start := 0
	for i := 1; i <= len(rs); i++ {
		if i == len(rs) || boundary(rs, i) {
			if p := strings.Trim(string(rs[start:i]), "_"); p != "" {
				parts = append(parts, strings.ToLower(p))
			}
			start = i
		}
	}
	var out []string
	for _, p := range parts {
		out = append(out, segment(p)...)
	}
	return out
}

func boundary(rs []rune, i int) bool {
	a, b := rs[i-1], rs[i]
	switch {
	case b == '_' || a == '_':
		return true
	case unicode.IsLower(a) && unicode.IsUpper(b):
		return true
	case unicode.IsUpper(a) && unicode.IsUpper(b) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
		return true // "BBMPRoads" → BBMP Roads
	case unicode.IsDigit(a) != unicode.IsDigit(b):
		return true
	}
	return false
}

// segment splits a lowercase word into dictionary words by dynamic
// programming over costs; pieces not in the dictionary cost a lot per rune
// so known words win, and a word that cannot be split stays whole.
func segment(w string) []string {
	dictOnce.Do(loadDict)
	rs := []rune(w)
	n := len(rs)
	if n < 6 || n > 60 {
		return []string{w}
	}
	if _, ok := dict[w]; ok {
		return []string{w}
	}
	const unknown = 8.0
	cost := make([]float64, n+1)
	from := make([]int, n+1)
	for i := 1; i <= n; i++ {
		cost[i] = cost[i-1] + unknown*2 // single unknown rune
		from[i] = i - 1
		for j := max(0, i-maxWord); j < i; j++ {
			if c, ok := dict[string(rs[j:i])]; ok && (i-j > 1 || rs[j] == 'a' || rs[j] == 'i') {
				if cost[j]+c < cost[i] {
					cost[i], from[i] = cost[j]+c, j
				}
			}
		}
	}
	if cost[n] >= unknown*2 {
		return []string{w}
	}
	var out []string
	for i := n; i > 0; i = from[i] {
		out = append(out, string(rs[from[i]:i]))
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return out
}

// Text returns the matching form of a whole text: textnorm.Fold, hashtags
// replaced by their words, and every word through Word.
func Text(s string) string {
	// Split hashtags before folding, while the case still marks words.
	if strings.IndexByte(s, '#') >= 0 {
		var b strings.Builder
		for i := 0; i < len(s); {
			if s[i] == '#' {
				j := i + 1
				for j < len(s) {
					r, size := utf8.DecodeRuneInString(s[j:])
					if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_') {
						break
					}
					j += size
				}
				if j > i+1 {
					b.WriteByte(' ')
					b.WriteString(strings.Join(SplitHashtag(s[i+1:j]), " "))
					b.WriteByte(' ')
					i = j
					continue
				}
			}
			b.WriteByte(s[i])
			i++
		}
		s = b.String()
	}
	f := strings.Fields(textnorm.Fold(s))
	for i, w := range f {
		f[i] = Word(w)
	}
	return strings.Join(f, " ")
}

// Variants returns a copy of the spelling-variant table (variant → form),
// for matchers that hash words instead of building strings.
func Variants() map[string]string {
	m := make(map[string]string, len(variants))
	for k, v := range variants {
		m[k] = v
	}
	return m
}
