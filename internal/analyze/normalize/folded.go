package normalize

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Folded reports whether textnorm.Fold(s) is s itself with ASCII letters
// lower-cased and runs of white space collapsed to one space (trimmed).
// Most posts are already in that form, and then a matcher can lower-case
// ASCII bytes as it reads instead of paying for Fold's two NFC passes,
// case folder and nine allocations. It is exact, never a guess: a rune
// whose fold is not itself, an invisible or non-ASCII space character, a
// control character, invalid UTF-8, text that is not in NFC, or anything
// too rare to be worth deciding here (Hangul, astral scripts) makes it
// false, and callers then run Fold.
func Folded(s string) bool {
	var tab *[0x10000]uint16
	starter := rune(-1) // the last starter, while no mark has followed it
	lastCCC := uint8(0) // combining class of the last mark since a starter
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// Clean drops C0 controls other than tab, newline and carriage
			// return (which only separate words), and DEL.
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return false
			}
			starter, lastCCC = rune(c), 0
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if size == 1 {
			return false // invalid UTF-8
		}
		if r > 0xFFFF {
			// Emoji have no case and are inert under NFC; the astral
			// scripts that have case or compose take the slow path.
			if r < 0x1F000 || r > 0x1FAFF {
				return false
			}
			starter, lastCCC = r, 0
			continue
		}
		if tab == nil {
			foldOnce.Do(buildFoldTable)
			tab = foldTable
		}
		v := tab[r]
		ccc := uint8(v)
		switch v >> 8 {
		case clsStarter:
			// A precomposed letter ends in its own mark (ț is t + U+0326):
			// marks after it must not sort before that one.
			starter, lastCCC = r, ccc
		case clsMaybe:
			// A starter that composes with the starter right before it
			// (ಕೆ + ೂ → ಕೊ). After a mark it is blocked.
			if starter >= 0 && lastCCC == 0 && composes(starter, r) {
				return false
			}
			starter, lastCCC = r, ccc
		case clsMark, clsComposingMark:
			if ccc < lastCCC {
				return false // NFC would reorder the marks
			}
			if v>>8 == clsComposingMark && (lastCCC != 0 || starter < 0 || composes(starter, r)) {
				// Composes with the starter, or might past other marks.
				return false
			}
			lastCCC = ccc
		default:
			return false
		}
	}
	return true
}

// Rune classes of foldTable (high byte; the low byte is the canonical
// combining class of a mark, or of the last rune of a starter's
// decomposition). The zero value is "unsafe": Folded says false.
const (
	clsUnsafe = iota
	clsStarter
	clsMaybe         // combining class 0 but may compose with the rune before
	clsMark          // combining class > 0, composes with nothing
	clsComposingMark // combining class > 0, the second rune of some composition
)

var (
	foldOnce     sync.Once
	foldTable    *[0x10000]uint16
	composePairs map[uint64]bool // (first, second) runes that NFC composes
)

func pairKey(a, b rune) uint64 { return uint64(a)<<32 | uint64(uint32(b)) }

// composes reports whether NFC composes a and b, with an ASCII letter a
// taken in either case (Fold composes h + U+0331 into ẖ after folding H).
func composes(a, b rune) bool {
	if a < utf8.RuneSelf && a|0x20 >= 'a' && a|0x20 <= 'z' {
		return composePairs[pairKey(a|0x20, b)] || composePairs[pairKey(a&^0x20, b)]
	}
	return composePairs[pairKey(a, b)]
}

// buildFoldTable classifies the BMP once, on the first post that is not
// ASCII: 128 KB and a few milliseconds. The exhaustive tests in
// folded_test.go hold it to textnorm.Fold.
func buildFoldTable() {
	t := new([0x10000]uint16)
	pairs := map[uint64]bool{}
	composing := map[rune]bool{}
	for r := rune(0x80); r <= 0xFFFF; r++ {
		if hangul(r) || r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		p := norm.NFC.PropertiesString(string(r))
		if p.Decomposition() == nil || norm.NFC.String(string(r)) != string(r) {
			continue
		}
		// r is a composite NFC keeps: its decomposition's last rune
		// composes with the NFC form of the rest.
		d := []rune(string(p.Decomposition()))
		if len(d) < 2 {
			continue
		}
		first := []rune(norm.NFC.String(string(d[:len(d)-1])))
		if len(first) == 1 {
			pairs[pairKey(first[0], d[len(d)-1])] = true
		}
		composing[d[len(d)-1]] = true
	}
	for r := rune(0x80); r <= 0xFFFF; r++ {
		if hangul(r) || r >= 0xD800 && r <= 0xDFFF || invisible(r) || unicode.IsSpace(r) || unicode.IsControl(r) {
			continue
		}
		// Case folding maps to the lower-case form; a rune is its own
		// fold when it is lower case (or caseless) and its upper case
		// comes back to it (µ, ſ and ς fold elsewhere).
		if unicode.ToLower(r) != r || unicode.ToLower(unicode.ToUpper(r)) != r || fullFold(r) {
			continue
		}
		p := norm.NFC.PropertiesString(string(r))
		if p.Decomposition() != nil && norm.NFC.String(string(r)) != string(r) {
			continue // changed by NFC on its own (क़, Å as Ångström sign)
		}
		ccc := uint16(p.CCC())
		switch {
		case ccc == 0 && p.BoundaryBefore():
			t[r] = clsStarter<<8 | uint16(p.TrailCCC())
		case ccc == 0:
			t[r] = clsMaybe<<8 | uint16(p.TrailCCC())
		case composing[r]:
			t[r] = clsComposingMark<<8 | ccc
		default:
			t[r] = clsMark<<8 | ccc
		}
	}
	foldTable, composePairs = t, pairs
}

// hangul: jamo and syllables compose algorithmically; Korean posts take
// the slow path.
func hangul(r rune) bool {
	return r >= 0x1100 && r <= 0x11FF || r >= 0x3130 && r <= 0x318F || r >= 0xA960 && r <= 0xA97F ||
		r >= 0xAC00 && r <= 0xD7FF
}

// fullFold: the BMP runes that are lower case but fold to something else
// (CaseFolding.txt status F, and Cherokee, which folds to upper case): ß,
// ŉ, ǰ, ΐ, ΰ, և, ẖ–ẚ, Greek with ypogegrammeni or perispomeni, the ﬀ–ﬆ and
// Armenian ligatures.
func fullFold(r rune) bool {
	switch {
	case r == 0x00DF, r == 0x0149, r == 0x01F0, r == 0x0390, r == 0x03B0, r == 0x0587,
		r >= 0x1E96 && r <= 0x1E9A,
		r >= 0x1F50 && r <= 0x1F56 && r&1 == 0,
		r >= 0x1F80 && r <= 0x1FFF,
		r >= 0xFB00 && r <= 0xFB06, r >= 0xFB13 && r <= 0xFB17,
		r >= 0x13A0 && r <= 0x13FF, r >= 0xAB70 && r <= 0xABBF:
		return true
	}
	return false
}

// invisible mirrors textnorm's list of characters Fold removes.
func invisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD',
		'\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E',
		'\u2066', '\u2067', '\u2068', '\u2069':
		return true
	}
	return false
}
