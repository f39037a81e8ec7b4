package place

import (
	"slices"
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
//
// Keys are built in the same pass as the tokens, as each word ends: a
// Latin word's skeleton is written into buf straight from the text
// (lower-cased as it is read); any other word is copied with ASCII
// lower-cased, or replaced by its fold when it is not already folded.
// All keys lie one after another in buf; a token's key aliases its part
// of buf (earlier backing arrays stay valid if buf grows).
func tokenize(text string, toks []token, buf []byte) ([]token, []byte) {
	buf = buf[:0]
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
		st, kst := i, len(buf)
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
		if !ascii {
			buf = append(buf, text[st:i]...)
			lowerASCII(buf[kst:])
		}
		// Merge initials: previous token was a single letter (or merged
		// initials) and this one is a single letter, separated by at most
		// ". " / "." / " ". The merged key is rebuilt from its letters (it
		// is the last key in buf).
		if ascii && i-st == 1 && !digits && len(toks) > 0 {
			p := &toks[len(toks)-1]
			gap := text[p.end:st]
			if p.latin && !p.digits && isInitials(text[p.start:p.end]) && len(gap) <= 2 && strings.Trim(gap, ". ") == "" {
				p.end = i
				pst := kst - len(p.key)
				buf = buf[:pst]
				w := text[p.start:p.end]
				for j := 0; j < len(w); j++ {
					if c := w[j]; c != '.' && c != ' ' {
						buf = append(buf, c|0x20)
					}
				}
				buf = buf[:pst+len(skeleton(buf[pst:]))]
				p.key = buf[pst:len(buf):len(buf)]
				continue
			}
		}
		if ascii {
			buf = skelAppend(buf, text[st:i], 0x20)
		} else if !normalize.Folded(text[st:i]) {
			// A word that is already its own fold but for ASCII case (most
			// Kannada words) keeps the bytes copied above; others Fold.
			buf = append(buf[:kst], textnorm.Fold(text[st:i])...)
		}
		toks = append(toks, token{start: st, end: i, key: buf[kst:len(buf):len(buf)], latin: ascii, digits: digits,
			upper: text[st] >= 'A' && text[st] <= 'Z'})
	}
	return toks, buf
}

// lowerASCII lower-cases the ASCII letters A–Z in b.
func lowerASCII(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
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
func skeleton(b []byte) []byte { return skelAppend(b[:0], b, 0) }

// skelAppend appends the skeleton of src, each byte ORed with or first
// (0x20 lower-cases a word of ASCII letters and digits as it is read),
// to dst. dst may be src[:0]: the output never overtakes the input.
func skelAppend[S ~string | ~[]byte](dst []byte, src S, or byte) []byte {
	n := len(src)
	w := len(dst)   // dst[:w] is the output so far
	base := w       // where this skeleton starts
	last := byte(0) // dst[w-1] since base, or 0 (0 is never a doubled letter: < 'a')
	// Room for n more bytes without writing them: when dst is src[:0]
	// they are the input.
	dst = slices.Grow(dst, n)[:w+n]
	for i := 0; i < n; i++ {
		c := src[i] | or
		o := skelMap[c] // w→v, z→j, else c
		// ee/ei → i, ie → i, oo → u: one output for two input letters.
		// One test that is rarely true, so well predicted.
		nx := byte(0)
		if i+1 < n {
			nx = src[i+1] | or
		}
		if skelPair[c]&nextBit[nx] != 0 {
			o = skelPairOut[c]
			i++
		} else if skelRare[c] {
			switch c {
			case 'h':
				// drop h after a consonant (aspirate) or after 's'/'c'
				if isConsonant(last) {
					continue
				}
			case 'y':
				if i == n-1 && n > 3 {
					o = 'i'
				}
			case 'k':
				if last == 'c' {
					w--
					last = 0
					if w > base {
						last = dst[w-1]
					}
				}
			}
		}
		if last == o && o >= 'a' {
			continue // doubled letter
		}
		dst[w] = o
		w++
		last = o
	}
	out := dst[base:w]
	if len(out) > 5 && out[len(out)-1] == 'm' && out[len(out)-2] == 'a' {
		out = out[:len(out)-1]
	}
	if len(out) > 4 {
		switch out[len(out)-1] {
		case 'a', 'e', 'u':
			out = out[:len(out)-1]
		}
	}
	return dst[:base+len(out)]
}

// Tables of skeleton, indexed by byte: skelMap is the letter written
// for a letter (w→v, z→j); skelPair[c]&nextBit[d] is nonzero when c
// followed by d is written as the one letter skelPairOut[c]; skelRare
// marks the letters whose rule looks at the letter before or at their
// place (h, k, y).
var skelMap, skelPair, nextBit, skelPairOut, skelRare = skelTables()

func skelTables() (m, pair, next, pairOut [256]byte, rare [256]bool) {
	for c := range m {
		m[c] = byte(c)
	}
	m['w'], m['z'] = 'v', 'j'
	next['e'], next['i'], next['o'] = 1, 2, 4
	pair['e'], pairOut['e'] = 1|2, 'i' // ee, ei
	pair['i'], pairOut['i'] = 1, 'i'   // ie
	pair['o'], pairOut['o'] = 4, 'u'   // oo
	rare['h'], rare['y'], rare['k'] = true, true, true
	return
}

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
