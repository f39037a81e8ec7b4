// Package textnorm is the one normalisation used for indexing, searching and
// matching: NFC, zero-width characters removed, case folded. Decomposed
// text and zero-width joiners inside Kannada or Hindi words defeat every
// search engine, so both the indexed copy and the query go through Fold.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

var folder = cases.Fold()

// isInvisible reports characters that carry no meaning for matching:
// zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen, and
// bidi controls that attackers use to disguise text.
func isInvisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD',
		'\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E',
		'\u2066', '\u2067', '\u2068', '\u2069':
		return true
	}
	return false
}

// Clean returns valid UTF-8 in NFC with invalid bytes replaced by U+FFFD and
// NUL and other C0 controls (except tab and newline) removed. It keeps case:
// it is for text we store and show.
func Clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
				if r == '\r' {
					return '\n'
				}
				return -1
			}
			return r
		}, s)
	}
	return norm.NFC.String(s)
}

// Fold returns the matching form of s: Clean, invisible characters removed,
// case folded, runs of white space collapsed to one space.
func Fold(s string) string {
	s = Clean(s)
	s = strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = folder.String(s)
	// cases.Fold may denormalise; recompose.
	s = norm.NFC.String(s)
	return strings.Join(strings.Fields(s), " ")
}
