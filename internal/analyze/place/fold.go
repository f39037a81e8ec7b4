package place

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/normalize"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// token is one word of the input with its byte span in the original text.
type token struct {
	start, end int
	key        []byte // matching key (skeleton for Latin, folded for Kannada); aliases a scratch buffer
	latin      bool
	upper      bool // starts with an upper-case letter
	digits     bool // all digits
}

func isWordRune(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) ||
		r == '\u200c' || r == '\u200d'
}

// tokenize splits text into word tokens. Runs of single Latin letters
// separated by dots or spaces ("J.P.", "K R", "H.S.R.") merge into one
// token ("jp", "kr", "hsr"), as people write initials every way.
// buf is scratch space reused between calls.
func tokenize(text string, toks []token, buf []byte) ([]token, []byte) {
	i := 0
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= 0x80 {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if !isWordRune(r) {
			i += size
			continue
		}
		st := i
		ascii, digits := true, true
		for i < len(text) {
			r, size := rune(text[i]), 1
			if r >= 0x80 {
				r, size = utf8.DecodeRuneInString(text[i:])
			}
			if !isWordRune(r) {
				break
			}
			if r >= 0x80 {
				ascii = false
			}
			if r < '0' || r > '9' {
				digits = false
			}
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

// isInitials: "j", "J", or merged initials like "J.P" / "K R".
func isInitials(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' || c == ' ':
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			n++
			if i+1 < len(s) && s[i+1]|0x20 >= 'a' && s[i+1]|0x20 <= 'z' {
				return false
			}
		default:
			return false
		}
	}
	return n > 0
}

// skeleton reduces a lower-case romanised Kannada word to a spelling-
// tolerant key, in place: aspirates lose their h (th→t, bh→b), w→v, z→j,
// ee→i, oo→u, ie/ei→i, final y→i, doubled letters single, "sh"→s, "ck"→k,
// and a final vowel a/e/u or "am" dropped from longer words. So
// Whitefeild/Whitefield, Malleswaram/Malleshwaram/Malleshwara,
// Cottonpet/Cottonpete, Halasur/Halasuru, Jayanagara/Jayanagar meet.
// Digits pass through ("4th" stays "4t" on both sides).
func skeleton(b []byte) []byte {
	out := b[:0]
	n := len(b)
	for i := 0; i < n; i++ {
		c := b[i]
		switch c {
		case 'w':
			c = 'v'
		case 'z':
			c = 'j'
		case 'h':
			// drop h after a consonant (aspirate) or after 's'/'c'
			if len(out) > 0 && isConsonant(out[len(out)-1]) {
				continue
			}
		case 'e':
			if i+1 < n && (b[i+1] == 'e' || b[i+1] == 'i') {
				c = 'i'
				i++
			}
		case 'i':
			if i+1 < n && b[i+1] == 'e' {
				i++
			}
		case 'o':
			if i+1 < n && b[i+1] == 'o' {
				c = 'u'
				i++
			}
		case 'y':
			if i == n-1 && n > 3 {
				c = 'i'
			}
		case 'k':
			if len(out) > 0 && out[len(out)-1] == 'c' {
				out = out[:len(out)-1]
			}
		}
		if len(out) > 0 && out[len(out)-1] == c && c >= 'a' {
			continue // doubled letter
		}
		out = append(out, c)
	}
	if len(out) > 5 && out[len(out)-1] == 'm' && out[len(out)-2] == 'a' {
		out = out[:len(out)-1]
	}
	if len(out) > 4 {
		switch out[len(out)-1] {
		case 'a', 'e', 'u':
			out = out[:len(out)-1]
		}
	}
	return out
}

func isConsonant(c byte) bool {
	return c >= 'a' && c <= 'z' && !strings.ContainsRune("aeiou", rune(c))
}

// keyOf returns the skeleton of a plain ASCII word.
func keyOf(w string) string {
	if w == "" {
		return ""
	}
	b := []byte(strings.ToLower(w))
	return string(skeleton(b))
}

// kannadaSuffixes are case endings and postpositions that attach to a
// place name: ಕೋರಮಂಗಲದಲ್ಲಿ (in Koramangala), ಜಯನಗರಕ್ಕೆ (to Jayanagar),
// ಬೆಂಗಳೂರಿನಲ್ಲಿ (in Bengaluru; the stem's final ು becomes ಿ). Longest
// first.
var kannadaSuffixes = []struct{ suf, add string }{
	{"ದಲ್ಲಿದ್ದ", ""}, {"ಿನಲ್ಲಿ", "ು"}, {"ಿನಿಂದ", "ು"}, {"ದಲ್ಲೇ", ""}, {"ದಲ್ಲಿ", ""}, {"ನಲ್ಲಿ", ""},
	{"ಯಲ್ಲಿ", ""}, {"ವಲ್ಲಿ", ""}, {"ಅಲ್ಲಿ", ""}, {"ದಿಂದ", ""}, {"ನಿಂದ", ""}, {"ಯಿಂದ", ""}, {"ಕ್ಕೆ", ""},
	{"ಿಗೆ", "ು"}, {"ಿನ", "ು"}, {"ಲ್ಲಿ", ""}, {"ಗೆ", ""}, {"ದ", ""}, {"ನ", ""}, {"ಯ", ""}, {"ಕೆ", ""},
}

// latinSuffixes are the same endings typed in Latin script
// ("Koramangaladalli").
var latinSuffixes = []string{"dalli", "nalli", "yalli", "alli", "dinda", "ninda", "inda", "kke", "ge"}
