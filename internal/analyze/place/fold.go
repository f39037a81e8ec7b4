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
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) ||
		r == '\u200c' || r == '\u200d'
}

// asciiWord and consonant are byte tables for the two tests the
// tokenizer makes on every byte. They are variables initialised by
// expression, not in init(), because other files' init functions
// tokenize (cityNames) and Go runs init functions file by file.
var asciiWord, consonant = byteTables()

func byteTables() (word, cons [128]bool) {
	for c := range word {
		word[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		cons[c] = c >= 'a' && c <= 'z' && !strings.ContainsRune("aeiou", rune(c))
	}
	return
}

// tokenize splits text into word tokens. Runs of single Latin letters
// separated by dots or spaces ("J.P.", "K R", "H.S.R.") merge into one
// token ("jp", "kr", "hsr"), as people write initials every way.
// buf is scratch space reused between calls.
func tokenize(text string, toks []token, buf []byte) ([]token, []byte) {
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
	n := len(b)
	w := 0 // b[:w] is the output so far; it never overtakes the input
	for i := 0; i < n; i++ {
		c := b[i]
		if c < 0x80 && skelSpecial[c] {
			switch c {
			case 'w':
				c = 'v'
			case 'z':
				c = 'j'
			case 'h':
				// drop h after a consonant (aspirate) or after 's'/'c'
				if w > 0 && isConsonant(b[w-1]) {
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
				if w > 0 && b[w-1] == 'c' {
					w--
				}
			}
		}
		if w > 0 && b[w-1] == c && c >= 'a' {
			continue // doubled letter
		}
		b[w] = c
		w++
	}
	out := b[:w]
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

// skelSpecial marks the letters skeleton rewrites.
var skelSpecial = [128]bool{'w': true, 'z': true, 'h': true, 'e': true, 'i': true, 'o': true, 'y': true, 'k': true}

func isConsonant(c byte) bool {
	return c < 0x80 && consonant[c]
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
