// Package model is the classifier machinery of the analysis engine: hashed
// word 1–2-gram and character 2–5-gram features, linear heads (softmax or
// sigmoid) over one shared bucket space, their training, and a compact int8
// serialisation that loads by decoding a few headers and aliasing the rest.
//
// Every post is featurised once; every head (language, sentiment, offensive,
// emergency, complaint, categories) then reads the same rows of one weight
// table laid out bucket-major, so a post costs one pass over its features
// and one cache line per feature, whatever the number of heads.
package model

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bits is log2 of the number of feature buckets. 2^20 keeps collisions
// between the ~1M distinct word and character n-grams of the training
// data rare; a model file records its own bits and is read with them.
const Bits = 20

// Buckets is the size of the hashed feature space.
const Buckets = 1 << Bits

// MaxRunes caps the text a post is featurised on: a 1 MB post is
// classified on its first MaxRunes runes, which is where its meaning is.
const MaxRunes = 2000

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
	seedWord  = 0x9e3779b9
	seedBi    = 0x85ebca6b
	seedNeg   = 0xc2b2ae35
	seedTag   = 0x27d4eb2f
)

// mix is a murmur3 finaliser: FNV's low bits alone are too regular for a
// power-of-two bucket space.
func mix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func bucket(h uint32) uint32 { return mix(h) }

// Tag is the (unmasked) hash of a meta feature such as "lang=kn"; the
// engine adds it after language identification so that sentiment and
// offensive weights may depend on the language.
func Tag(name string) uint32 {
	h := uint32(fnvOffset) ^ seedTag
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * fnvPrime
	}
	return bucket(h)
}

// WordBucket is the (unmasked) hash of the unigram feature of an
// already-normalised word; negated selects the negation-scope variant. Training uses it to fold
// lexicon priors into word weights.
func WordBucket(word string, negated bool) uint32 {
	h := wordHash(word)
	if negated {
		h ^= seedNeg
	}
	return bucket(h)
}

func wordHash(word string) uint32 {
	h := uint32(fnvOffset) ^ seedWord
	for _, r := range word {
		h = (h ^ uint32(r)) * fnvPrime
	}
	return h
}

// negators open a negation scope over the next few words (English,
// romanised Hindi and Kannada). "n't" is caught by suffix.
var negators = map[uint32]bool{}

func init() {
	for _, w := range []string{"not", "no", "never", "nothing", "nobody", "none", "neither", "nor",
		"cannot", "cant", "dont", "didnt", "doesnt", "isnt", "wasnt", "wont", "aint", "hardly",
		"nahi", "nahin", "nhi", "na", "mat", "illa", "alla", "beda", "bedi", "ಇಲ್ಲ", "ಬೇಡ", "नहीं", "मत"} {
		h := wordHash(w)
		negators[h] = true
		negatorBits[h>>30] |= 1 << (h >> 24 & 63)
	}
}

// negatorBits has bit h>>24 set for the hash h of every negator: Extract
// asks about every word, and this test lets most words skip the map
// lookup (which cost ~1% of the whole analysis chain).
var negatorBits [4]uint64

func isNegator(h uint32) bool {
	return negatorBits[h>>30]&(1<<(h>>24&63)) != 0 && negators[h]
}

// Extractor turns text into feature buckets. It keeps scratch buffers, so
// one Extractor must not be used by two goroutines at once; it is cheap to
// make one per worker (or take one from a sync.Pool).
type Extractor struct {
	runes []rune
	words [][2]int32 // [start,end) in runes of each word token
	feats []uint32
	nWord int // feats[:nWord] are word features, the rest character n-grams

	// Vectorize scratch: an open-addressing table of the post's unique
	// features, reset by bumping stamp instead of clearing.
	slotKey   []uint32
	slotStamp []uint32
	slotCount []uint16
	slotBlock []uint8
	stamp     uint32
	vec       Vec
}

// isWordRune reports runes that belong inside a word: letters, combining
// marks (Indic vowel signs and viramas) and digits.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

func lower(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			return r + 32
		}
		return r
	}
	return unicode.ToLower(r)
}

// prepare lowercases, folds digits to 0, collapses elongations (more than
// two repeats of a rune), replaces URLs by "U" and @mentions by "@" and
// splits into word tokens. Symbols (emoji, '!' and '?') are kept as one-rune
// tokens because they carry sentiment.
func (x *Extractor) prepare(text string) {
	x.runes = x.runes[:0]
	x.words = x.words[:0]
	n := 0
	var prev rune = -1
	rep := 0
	for i := 0; i < len(text) && n < MaxRunes; {
		c := text[i]
		// URLs and mentions: skip the whole token.
		if (c == 'h' || c == 'w') && (hasPrefixAt(text, i, "http://") || hasPrefixAt(text, i, "https://") || hasPrefixAt(text, i, "www.")) {
			for i < len(text) && text[i] != ' ' && text[i] != '\n' && text[i] != '\t' {
				i++
			}
			x.runes = append(x.runes, ' ', 'U', ' ')
			prev, rep = -1, 0
			n++
			continue
		}
		if c == '@' && i+1 < len(text) && isASCIIWord(text[i+1]) {
			i++
			for i < len(text) && (isASCIIWord(text[i]) || text[i] == '_') {
				i++
			}
			x.runes = append(x.runes, ' ', '@', ' ')
			prev, rep = -1, 0
			n++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		i += size
		n++
		r = lower(r)
		if r >= '0' && r <= '9' {
			r = '0'
		}
		if r == prev {
			rep++
			if rep >= 2 {
				continue
			}
		} else {
			prev, rep = r, 0
		}
		x.runes = append(x.runes, r)
	}
	// Tokenise.
	start := -1
	for i, r := range x.runes {
		if isWordRune(r) || r == '\'' && start >= 0 {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			x.words = append(x.words, [2]int32{int32(start), int32(i)})
			start = -1
		}
		if r == '!' || r == '?' || r == '@' || r > 0x2000 && (unicode.IsSymbol(r) || unicode.Is(unicode.So, r)) {
			x.words = append(x.words, [2]int32{int32(i), int32(i + 1)})
		}
	}
	if start >= 0 {
		x.words = append(x.words, [2]int32{int32(start), int32(len(x.runes))})
	}
}

func hasPrefixAt(s string, i int, p string) bool {
	return len(s)-i >= len(p) && s[i:i+len(p)] == p
}

func isASCIIWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Extract returns the unmasked feature hashes of text (with repeats: a
// feature that occurs twice is listed twice): word unigrams and bigrams
// first, then character n-grams from the index WordCount returns. The
// slice is owned by the Extractor and valid until the next call.
func (x *Extractor) Extract(text string) []uint32 {
	x.prepare(text)
	f := x.feats[:0]
	// Words and bigrams go first; char n-grams are collected into the
	// tail in a second pass so the two blocks stay contiguous.
	rs := x.runes
	var prevWord uint32
	havePrev := false
	negLeft := 0
	for _, w := range x.words {
		s, e := int(w[0]), int(w[1])
		h := uint32(fnvOffset) ^ seedWord
		for _, r := range rs[s:e] {
			h = (h ^ uint32(r)) * fnvPrime
		}
		isNeg := isNegator(h) || e-s > 3 && rs[e-1] == 't' && rs[e-2] == '\'' && rs[e-3] == 'n'
		wb := bucket(h)
		if negLeft > 0 && isWordRune(rs[s]) {
			wb = bucket(h ^ seedNeg)
			negLeft--
		}
		f = append(f, wb)
		if isNeg {
			negLeft = 3
		}
		if havePrev {
			f = append(f, bucket((prevWord*0x01000193)^h^seedBi))
		}
		prevWord, havePrev = h, true
	}
	x.nWord = len(f)
	for _, w := range x.words {
		s, e := int(w[0]), int(w[1])
		// Character n-grams of the word padded by spaces, n = 2..5.
		if !isWordRune(rs[s]) {
			continue
		}
		lo, hi := s-1, e+1 // include the padding positions
		for i := lo; i < hi-1; i++ {
			h := uint32(fnvOffset)
			for k := 0; k < 5 && i+k < hi; k++ {
				var r rune = ' '
				if j := i + k; j >= s && j < e {
					r = rs[j]
				}
				h = (h ^ uint32(r)) * fnvPrime
				if k >= 1 {
					f = append(f, bucket(h+uint32(k)))
				}
			}
		}
	}
	x.feats = f
	return f
}

// WordCount is the number of word features (unigrams and bigrams) at the
// front of the last Extract's result; the character n-grams follow.
func (x *Extractor) WordCount() int { return x.nWord }

// Space is the feature space a model was trained in: the hash bits and an
// inverse document frequency per bucket. IDF 0 marks a bucket that was
// seen fewer than twice in training; its features are dropped, like the
// words outside a TF-IDF vectoriser's vocabulary.
type Space struct {
	Bits uint
	IDF  []uint8 // per bucket, idf = IDF/IDFScale; nil means idf 1 everywhere
}

// IDFScale is the fixed-point scale of Space.IDF.
const IDFScale = 16

// Vec is a sparse feature vector: unique buckets and their values.
type Vec struct {
	Idx []uint32
	Val []float32
}

// logTF is 1+ln(c), the sublinear term frequency, for small counts.
var logTF [64]float32

func init() {
	for c := 1; c < len(logTF); c++ {
		logTF[c] = float32(1 + math.Log(float64(c)))
	}
}

// Vectorize featurises text into sp: masked buckets, sublinear tf × idf,
// the word block (unigrams, bigrams) and the character block each
// L2-normalised, as a TF-IDF union of a word and a char vectoriser would.
// The result is owned by the Extractor and valid until the next call.
func (x *Extractor) Vectorize(text string, sp *Space) Vec {
	feats := x.Extract(text)
	mask := uint32(1)<<sp.Bits - 1
	prefetchFeatures(sp.IDF, feats, mask)
	need := 64
	for need < 2*len(feats) {
		need <<= 1
	}
	if len(x.slotKey) < need {
		x.slotKey = make([]uint32, need)
		x.slotStamp = make([]uint32, need)
		x.slotCount = make([]uint16, need)
		x.slotBlock = make([]uint8, need)
		x.stamp = 0
	}
	x.stamp++
	if x.stamp == 0 {
		clear(x.slotStamp)
		x.stamp = 1
	}
	tmask := uint32(len(x.slotKey) - 1)
	idx := x.vec.Idx[:0]
	for i, f := range feats {
		b := f & mask
		// The slot comes from the bucket alone. It used to come from f>>7,
		// whose bits above the mask join in once the table passes 8,192
		// slots (a post of over 4,096 features, ~1,000 characters): two
		// features of one bucket then started their probes apart and
		// could take two slots, so the bucket came out twice with split
		// counts, and the table stayed that size for every later post of
		// the same Extractor (TestVectorizeAfterLongPost).
		s := b & tmask
		for {
			if x.slotStamp[s] != x.stamp {
				x.slotStamp[s] = x.stamp
				x.slotKey[s] = b
				x.slotCount[s] = 1
				x.slotBlock[s] = 0
				if i >= x.nWord {
					x.slotBlock[s] = 1
				}
				idx = append(idx, s) // slot now, bucket below
				break
			}
			if x.slotKey[s] == b {
				if x.slotCount[s] < 0xffff {
					x.slotCount[s]++
				}
				break
			}
			s = (s + 1) & tmask
		}
	}
	val := x.vec.Val[:0]
	var norm [2]float32
	out := idx[:0]
	for _, s := range idx {
		b := x.slotKey[s]
		w := float32(1)
		if sp.IDF != nil {
			q := sp.IDF[b]
			if q == 0 {
				continue
			}
			w = float32(q) / IDFScale
		}
		c := int(x.slotCount[s])
		if c < len(logTF) {
			w *= logTF[c]
		} else {
			w *= float32(1 + math.Log(float64(c)))
		}
		norm[x.slotBlock[s]] += w * w
		// The block rides in the value's sign bit until normalisation.
		if x.slotBlock[s] == 1 {
			w = -w
		}
		out = append(out, b)
		val = append(val, w)
	}
	for j := range norm {
		if norm[j] > 0 {
			norm[j] = 1 / float32(math.Sqrt(float64(norm[j])))
		}
	}
	for i, v := range val {
		if v < 0 {
			val[i] = -v * norm[1]
		} else {
			val[i] = v * norm[0]
		}
	}
	x.vec = Vec{Idx: out, Val: val}
	return x.vec
}

// Tag is the bucket of a meta feature in this space.
func (sp *Space) Tag(name string) uint32 { return Tag(name) & (1<<sp.Bits - 1) }

// seedHandle seeds the hashes of @handle parts (HandleBuckets).
const seedHandle = 0x165667b1

// MaxHandleParts caps the handle parts HandleBuckets returns, so a post of
// 10,000 mentions costs no more than one of a few.
const MaxHandleParts = 8

// HandleValue is the feature value of each handle part.
const HandleValue = 0.5

// HandleBuckets appends to out the buckets of the parts of the @handles in
// text ("@FC_Help" → "fc", "help"; "@VerizonSupport" → "verizon",
// "support"): parts split at '_', digits-to-letters stay joined, and a
// lower-to-upper case change starts a new part; parts shorter than two
// letters are dropped, the rest are lowercased. Vectorize replaces every
// mention by one placeholder, so who a post is addressed to is otherwise
// lost; the complaint head reads these features (a post to a help desk
// is more often a complaint), the other heads do not.
func HandleBuckets(text string, sp *Space, out []uint32) []uint32 {
	mask := uint32(1)<<sp.Bits - 1
	n := 0
	for i := 0; i < len(text) && n < MaxHandleParts; {
		j := strings.IndexByte(text[i:], '@')
		if j < 0 {
			break
		}
		i += j + 1
		if i >= len(text) || !isASCIIWord(text[i]) {
			continue
		}
		// One handle: [A-Za-z0-9_]+ after '@', as prepare reads it.
		h := uint32(fnvOffset) ^ seedHandle
		size := 0
		var prev byte
		flush := func() {
			if size >= 2 && n < MaxHandleParts {
				out = append(out, bucket(h)&mask)
				n++
			}
			h, size = uint32(fnvOffset)^seedHandle, 0
		}
		for ; i < len(text) && (isASCIIWord(text[i]) || text[i] == '_'); i++ {
			c := text[i]
			switch {
			case c == '_':
				flush()
			case c >= 'A' && c <= 'Z' && prev >= 'a' && prev <= 'z':
				flush()
				fallthrough
			default:
				lc := c
				if lc >= 'A' && lc <= 'Z' {
					lc += 'a' - 'A'
				}
				h = (h ^ uint32(lc)) * fnvPrime
				size++
			}
			prev = c
		}
		flush()
	}
	return out
}
