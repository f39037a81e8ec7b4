// Package simhash computes a 64-bit SimHash of a post's words so the desk
// can group copies of the same message (forwarded rumours, retweets,
// copy-paste campaigns) by Hamming distance.
//
// Features are folded words and word bigrams. Retweet prefixes ("RT
// @user:"), @mentions, URLs, punctuation and emoji are dropped before
// hashing, so they do not make copies look different.
package simhash

import (
	"encoding/binary"
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
	var f features
	first := true
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
		// A token runs to the next white space. Mentions and links are
		// dropped whole (their prefixes hold no space, so testing them on
		// the text is testing them on the token).
		if c := text[i]; c == '@' || (c|0x20 == 'h' || c|0x20 == 'w') &&
			(hasPrefixFold(text[i:], "http://") || hasPrefixFold(text[i:], "https://") || hasPrefixFold(text[i:], "www.")) {
			i = tokenEnd(text, i)
			continue
		}
		if first {
			// A leading retweet marker is dropped; it needs the whole token.
			first = false
			j := tokenEnd(text, i)
			if tok := text[i:j]; tok == "RT" || tok == "rt" || tok == "RT:" || tok == "rt:" ||
				folded && (strings.EqualFold(tok, "rt") || strings.EqualFold(tok, "rt:")) {
				i = j
				continue
			}
		}
		// Hash the word characters of the token while finding its end,
		// lower-casing ASCII; punctuation and emoji inside the token
		// split it into words.
		h := uint64(fnvOffset)
		empty := true
		for i < len(text) {
			if c := text[i]; c < utf8.RuneSelf {
				if asciiSpace[c] {
					break
				}
				i++
				if !asciiWord[c] {
					if !empty {
						f.word(h)
						h, empty = fnvOffset, true
					}
					continue
				}
				h = (h ^ uint64(lowerASCII[c])) * fnvPrime
				empty = false
				continue
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			if unicode.IsSpace(r) {
				break
			}
			i += size
			if !isWordRune(r) {
				if !empty {
					f.word(h)
					h, empty = fnvOffset, true
				}
				continue
			}
			for b := i - size; b < i; b++ {
				h = (h ^ uint64(text[b])) * fnvPrime
			}
			empty = false
		}
		if !empty {
			f.word(h)
		}
	}
	return f.sum()
}

// tokenEnd returns the index of the white space that ends the token at i
// (or len(text)).
func tokenEnd(text string, i int) int {
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf {
			if asciiSpace[c] {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

// features counts, for each of the 64 bits, the weighted features that
// have it set. Bit counting in SWAR form: counters[i] holds eight 8-bit
// lanes, the number of (weighted) features with bit 8*i+k set; flushed
// into acc before a lane can overflow. Eight additions per feature
// instead of sixty-four.
type features struct {
	acc            [64]int32
	counters       [8]uint64
	total, pending int32
	prev           uint64
	havePrev       bool
	n              int
}

// word adds a word's hash, and the bigram with the word before, in one
// pass over the lanes (unrolled: this is most of Of's time).
func (f *features) word(h uint64) {
	c := &f.counters
	if f.havePrev {
		b := (f.prev*31+h)*fnvPrime ^ f.prev>>7
		c[0] += spread[byte(h)]*wordWeight + spread[byte(b)]*bigramWeight
		c[1] += spread[byte(h>>8)]*wordWeight + spread[byte(b>>8)]*bigramWeight
		c[2] += spread[byte(h>>16)]*wordWeight + spread[byte(b>>16)]*bigramWeight
		c[3] += spread[byte(h>>24)]*wordWeight + spread[byte(b>>24)]*bigramWeight
		c[4] += spread[byte(h>>32)]*wordWeight + spread[byte(b>>32)]*bigramWeight
		c[5] += spread[byte(h>>40)]*wordWeight + spread[byte(b>>40)]*bigramWeight
		c[6] += spread[byte(h>>48)]*wordWeight + spread[byte(b>>48)]*bigramWeight
		c[7] += spread[byte(h>>56)]*wordWeight + spread[byte(b>>56)]*bigramWeight
		f.total += wordWeight + bigramWeight
		f.pending += wordWeight + bigramWeight
	} else {
		for i := range c {
			c[i] += spread[byte(h>>(8*i))] * wordWeight
		}
		f.total += wordWeight
		f.pending += wordWeight
	}
	// A lane holds at most 255: flush before the next word could pass it.
	if f.pending > 255-(wordWeight+bigramWeight) {
		f.flush()
	}
	f.prev, f.havePrev = h, true
	f.n++
}

func (f *features) flush() {
	for i := range f.counters {
		c := f.counters[i]
		for k := 0; k < 8; k++ {
			f.acc[i*8+k] += int32(c >> (8 * k) & 0xff)
		}
		f.counters[i] = 0
	}
	f.pending = 0
}

// sum is the hash: the bits set in more than half the weighted features.
func (f *features) sum() uint64 {
	if f.n == 0 {
		return 0
	}
	f.flush()
	var out uint64
	for b := 0; b < 64; b++ {
		if 2*f.acc[b] > f.total {
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

// asciiWord and asciiSpace are isWordRune and unicode.IsSpace on ASCII;
// lowerASCII lower-cases A–Z.
var asciiWord, asciiSpace, lowerASCII = func() (w, s [128]bool, l [128]byte) {
	for c := range w {
		w[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		s[c] = unicode.IsSpace(rune(c))
		l[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			l[c] += 'a' - 'A'
		}
	}
	return
}()

// isASCII ORs the bytes together eight at a time.
func isASCII(s string) bool {
	var or uint64
	for len(s) >= 8 {
		or |= binary.LittleEndian.Uint64([]byte(s[:8]))
		s = s[8:]
	}
	var tail byte
	for i := 0; i < len(s); i++ {
		tail |= s[i]
	}
	return or&0x8080808080808080 == 0 && tail < utf8.RuneSelf
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}
