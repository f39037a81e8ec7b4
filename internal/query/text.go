package query

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/normalize"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// isWordRune is what the full-text indexes keep inside a word: SQLite's
// tokenizer is unicode61 with categories 'L* N* Co M*', and PostgreSQL's
// parser keeps Kannada and Devanagari vowel signs too. Query words and
// post words are split with this same rule.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || unicode.Is(unicode.Co, r) ||
		unicode.IsNumber(r)
}

// splitWords folds s and splits it into words.
func splitWords(s string) []string {
	return strings.FieldsFunc(textnorm.Fold(s), func(r rune) bool { return !isWordRune(r) })
}

// foldTag folds a hashtag or handle body (already limited to tag runes).
func foldTag(s string) string { return textnorm.Fold(s) }

// indic reports whether w is written in an Indic script (Devanagari to
// Malayalam): such words match as prefixes, because Kannada and Hindi
// inflect by suffix.
func indic(w string) bool {
	for _, r := range w {
		if r >= 0x0900 && r <= 0x0DFF {
			return true
		}
	}
	return false
}

var variants = normalize.Variants()

// key is the form a word is compared in: the desk's spelling variant
// (plz → please, polis → police) or the word itself.
func key(w string) string {
	if v, ok := variants[w]; ok {
		return v
	}
	return w
}

// spellings returns every folded spelling whose key is k (k itself
// first): what the history filter asks the full-text index for.
func spellings(k string) []string {
	out := []string{k}
	for v, form := range variants {
		if form == k && v != k {
			out = append(out, v)
		}
	}
	// Map order is random; the SQL (and its tests) should not be.
	sortStrings(out[1:])
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// kannadaEndings are the case endings romanised Kannada writes onto a
// noun (ಕೋರಮಂಗಲದಲ್ಲಿ → koramangaladalli): locative, dative, ablative,
// genitive, accusative, plural.
var kannadaEndings = []string{
	"dalli", "nalli", "ralli", "alli", "lli", "kke", "ke", "ige", "ge", "dinda", "ninda", "rinda", "inda",
	"da", "dha", "na", "ra", "ina", "vannu", "nannu", "annu", "galu", "galli", "galige",
}

// romanisedStem reports whether a Latin word should also match with a
// Kannada case ending: five letters or more and ending in a vowel, as
// romanised Kannada nouns do (koramangala, jayanagara, bengaluru). English
// words mostly end otherwise, which keeps "garba" from finding "garbage"
// rare enough.
func romanisedStem(w string) bool {
	if utf8.RuneCountInString(w) < 5 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			return false
		}
	}
	switch w[len(w)-1] {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}
