// Package simhash computes a 64-bit SimHash of a post's words so the desk
// can group copies of the same message (forwarded rumours, retweets,
// copy-paste campaigns) by Hamming distance.
//
// Features are folded words and word bigrams. Retweet prefixes ("RT
// @user:"), @mentions, URLs, punctuation and emoji are dropped before
// hashing, so they do not make copies look different.
package simhash

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/normalize"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Weights: a word counts twice as much as a bigram, so one edited word
// moves the hash less than reordered phrases would.
const (
	wordWeight   = 2
	bigramWeight = 1
)

// Of returns the SimHash of text. Empty or feature-less text hashes to 0.
func Of(text string) uint64 {
	// Text that is not ASCII is matched case-folded; when Folded lets it
	// skip Fold, ASCII letters keep their case and the RT test below
	// ignores it instead.
	folded := !isASCII(text)
	if folded && !normalize.Folded(text) {
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
		// Skip to the next token start. ASCII bytes are tested by table;
		// other runes are decoded.
		if c := text[i]; c < utf8.RuneSelf {
			if !asciiWord[c] && c != '@' && c != '#' {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(text[i:]); !isWordRune(r) {
			i += size
			continue
		}
		start := i
		// A token runs to the next white space.
		j := i
		for j < len(text) {
			if c := text[j]; c < utf8.RuneSelf {
				if asciiSpace[c] {
					break
				}
				j++
				continue
			}
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
		if first && (tok == "RT" || tok == "rt" || tok == "RT:" || tok == "rt:" ||
			folded && (strings.EqualFold(tok, "rt") || strings.EqualFold(tok, "rt:"))) {
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
			if c := tok[k]; c < utf8.RuneSelf {
				k++
				if !asciiWord[c] {
					flush()
					continue
				}
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				h = (h ^ uint64(c)) * fnvPrime
				empty = false
				continue
			}
			r, size := utf8.DecodeRuneInString(tok[k:])
			k += size
			if !isWordRune(r) {
				flush()
				continue
			}
			for b := k - size; b < k; b++ {
				h = (h ^ uint64(tok[b])) * fnvPrime
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

// spread[v] has byte k set to 1 where bit k of v is set.
var spread [256]uint64

func init() {
	for v := range spread {
		for k := 0; k < 8; k++ {
			if v>>k&1 != 0 {
				spread[v] |= 1 << (8 * k)
			}
		}
	}
}

// Distance is the Hamming distance between two hashes (0..64).
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// isWordRune: letters, digits and the combining marks that Indic scripts
// write vowels and viramas with.
func isWordRune(r rune) bool {
	if r < 0x80 {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// asciiWord and asciiSpace are isWordRune and unicode.IsSpace on ASCII.
var asciiWord, asciiSpace = func() (w, s [128]bool) {
	for c := range w {
		w[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		s[c] = unicode.IsSpace(rune(c))
	}
	return
}()

// isASCII ORs the bytes together without a branch per byte.
func isASCII(s string) bool {
	var or byte
	for i := 0; i < len(s); i++ {
		or |= s[i]
	}
	return or < utf8.RuneSelf
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}
