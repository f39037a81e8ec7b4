package analyze

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/analyze/normalize"
)

// Rule kinds.
const (
	kindCategory uint8 = iota
	kindDistress
	kindIncident
	kindFigurative
	kindImmediacy
	kindAfter
	kindCrime
	kindChild
	kindMissing
	kindWeakNow
	kindHypothetical
	kindReport
	kindAtRisk
	kindCategoryMore // categoryMoreLexicon: a category's score only
	kindCategoryLess // categoryLessLexicon: pulls a category's score down
	kindConsumer
)

type hit struct {
	kind uint8
	cat  uint8 // index into Categories for kindCategory
	w    float32
}

// matcher finds lexicon phrases (1–3 words) in text in one pass, without
// allocating: words are hashed as they are scanned (case folded,
// elongations collapsed, spelling variants mapped), and phrases are looked
// up by the hash of their last one, two or three words. Prefix entries are
// looked up at every rune boundary of the word, filtered by a bitset first.
type matcher struct {
	exact  map[uint64][]hit
	prefix map[uint64][]hit
	bloom  []uint64 // 1<<16 bits over prefix keys
	// exactBloom is 1<<18 bits over exact keys.
	exactBloom []uint64
	varmap     map[uint64]uint64
	// varBloom is 1<<12 bits over varmap's keys: every word of a post
	// is canonicalised, and almost none is a spelling variant.
	varBloom []uint64
	// lastBloom is 1<<12 bits over the hashes of prefix entries' last
	// words: scan tests it at every rune boundary before building the
	// one- and two-word phrase keys it would otherwise probe.
	lastBloom []uint64
}

const (
	h64Offset = 14695981039346656037
	h64Prime  = 1099511628211
)

func phraseKey(words ...uint64) uint64 {
	k := uint64(0x9ae16a3b2f90404f)
	for _, w := range words {
		k = (k ^ w) * 0xff51afd7ed558ccd
		k ^= k >> 29
	}
	return k
}

func wordHash64(w string) uint64 {
	h := uint64(h64Offset)
	for _, r := range w {
		h = (h ^ uint64(r)) * h64Prime
	}
	return h
}

func newMatcher() *matcher {
	m := &matcher{exact: map[uint64][]hit{}, prefix: map[uint64][]hit{}, bloom: make([]uint64, 1<<10), exactBloom: make([]uint64, 1<<12),
		varmap: map[uint64]uint64{}, varBloom: make([]uint64, 1<<6), lastBloom: make([]uint64, 1<<6)}
	for v, c := range normalize.Variants() {
		h := wordHash64(v)
		m.varmap[h] = wordHash64(c)
		m.varBloom[(h>>6)&(1<<6-1)] |= 1 << (h & 63)
	}
	for ci, name := range Categories {
		for _, p := range categoryLexicon[name] {
			m.add(p, hit{kind: kindCategory, cat: uint8(ci)})
		}
	}
	for _, p := range distressLexicon {
		m.add(p, hit{kind: kindDistress})
	}
	for _, p := range incidentLexicon {
		m.add(p, hit{kind: kindIncident})
	}
	for _, p := range figurativeLexicon {
		m.add(p, hit{kind: kindFigurative})
	}
	for _, p := range immediacyLexicon {
		m.add(p, hit{kind: kindImmediacy})
	}
	for _, p := range afterLexicon {
		m.add(p, hit{kind: kindAfter})
	}
	for _, p := range crimeLexicon {
		m.add(p, hit{kind: kindCrime})
	}
	for _, p := range childLexicon {
		m.add(p, hit{kind: kindChild})
	}
	for _, p := range missingLexicon {
		m.add(p, hit{kind: kindMissing})
	}
	for _, p := range weakNowLexicon {
		m.add(p, hit{kind: kindWeakNow})
	}
	for _, p := range hypotheticalLexicon {
		m.add(p, hit{kind: kindHypothetical})
	}
	for _, p := range reportLexicon {
		m.add(p, hit{kind: kindReport})
	}
	for _, p := range atRiskLexicon {
		m.add(p, hit{kind: kindAtRisk})
	}
	for ci, name := range Categories {
		if !CategoryMore {
			break
		}
		for _, p := range categoryMoreLexicon[name] {
			m.add(p, hit{kind: kindCategoryMore, cat: uint8(ci)})
		}
		for _, p := range categoryLessLexicon[name] {
			m.add(p, hit{kind: kindCategoryLess, cat: uint8(ci)})
		}
	}
	for _, p := range consumerLexicon {
		m.add(p, hit{kind: kindConsumer})
	}
	return m
}

func (m *matcher) add(phrase string, h hit) {
	ws := strings.Fields(strings.ToLower(phrase))
	if len(ws) == 0 || len(ws) > 3 {
		return
	}
	h.w = 1
	if len(ws) > 1 {
		h.w = 1.5
	}
	last := ws[len(ws)-1]
	isPrefix := strings.HasSuffix(last, "*") || last[0] >= utf8.RuneSelf
	last = strings.TrimSuffix(last, "*")
	hs := make([]uint64, len(ws))
	for i, w := range ws[:len(ws)-1] {
		hs[i] = m.canon(wordHash64(normalize.Word(w)))
	}
	hs[len(ws)-1] = m.canon(wordHash64(last))
	k := phraseKey(hs...)
	if isPrefix {
		l := hs[len(ws)-1]
		m.lastBloom[(l>>6)&(1<<6-1)] |= 1 << (l & 63)
		m.prefix[k] = append(m.prefix[k], h)
		m.bloom[(k>>6)&(1<<10-1)] |= 1 << (k & 63)
	} else {
		m.exact[k] = append(m.exact[k], h)
		m.exactBloom[(k>>6)&(1<<12-1)] |= 1 << (k & 63)
	}
}

func (m *matcher) canon(h uint64) uint64 {
	if m.varBloom[(h>>6)&(1<<6-1)]&(1<<(h&63)) == 0 {
		return h
	}
	if c, ok := m.varmap[h]; ok {
		return c
	}
	return h
}

// ruleScores is what the lexicons say about a post.
type ruleScores struct {
	cat        [32]float32
	catMore    [32]float32 // categoryMoreLexicon hits less categoryLessLexicon hits (category scores only)
	handleCat  [32]float32 // the agencies a post is addressed to (handleLexicon), as category hints
	distress   float32
	incident   float32
	figurative float32
	immediacy  float32
	after      float32 // after-the-fact or standing-problem markers (afterLexicon)
	crime      float32 // crimes that are danger only while they happen (crimeLexicon)
	child      float32 // a child named (childLexicon)
	missing    float32 // someone missing (missingLexicon)
	weakNow    float32 // immediacy words that mostly mean something else on desk posts (weakNowLexicon)
	hypo       float32 // danger named as a risk, not an event (hypotheticalLexicon)
	report     float32 // the post relays news or prayers about danger (reportLexicon)
	atRisk     float32 // people at risk now and an ask for responders (atRiskLexicon)
	consumer   float32 // a customer's matter with a company's service (consumerLexicon)
	repeats    int     // words repeated three or more times in a row ("help help help") or "!!!"
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWordRune[r]
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// asciiWordRune is isWordRune on ASCII, as a table the scan reads per byte.
var asciiWordRune = func() (t [utf8.RuneSelf]bool) {
	for r := range t {
		t[r] = r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '\''
	}
	return
}()

func isASCIIHandle(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// scan runs the lexicons over the first maxScan bytes of text.
func (m *matcher) scan(text string, rs *ruleScores) {
	const maxScan = 8192
	if len(text) > maxScan {
		text = text[:maxScan]
	}
	var prev [2]uint64 // previous word hashes, prev[0] most recent
	nprev := 0
	var lastWord uint64
	same := 0
	bangs := 0
	var seenSet hitSet
	seen := &seenSet // phrase keys already counted (dedupe)
	i := 0
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if !isWordRune(r) {
			if r == '@' {
				// A handle names an account, not the post's subject
				// (@Cheatedbuyer, @cyber): skip it whole.
				i++
				start := i
				for i < len(text) && (isASCIIHandle(text[i])) {
					i++
				}
				if c, ok := handleCategory(text[start:i]); ok {
					rs.handleCat[c] = min(rs.handleCat[c]+HandleHint, 2*HandleHint)
				}
				bangs = 0
				continue
			}
			if r == '!' {
				bangs++
				if bangs == 3 {
					rs.repeats++
				}
			} else {
				bangs = 0
			}
			i += size
			continue
		}
		bangs = 0
		// Scan one word: hash folded runes, collapsing runs of 3+, and
		// probe prefix entries at rune boundaries.
		h := uint64(h64Offset)
		var p1, p2 rune = -1, -2
		nr := 0
		var pr rune = -1
		for i < len(text) {
			r, size = rune(text[i]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(text[i:])
			}
			if !isWordRune(r) {
				break
			}
			// camelCase inside hashtags starts a new word.
			if pr >= 'a' && pr <= 'z' && r >= 'A' && r <= 'Z' {
				break
			}
			pr = r
			i += size
			if r < utf8.RuneSelf {
				if r >= 'A' && r <= 'Z' {
					r += 32
				}
			} else {
				r = unicode.ToLower(r)
			}
			if r == p1 && r == p2 {
				continue // third and later of a run
			}
			if r == p1 && i < len(text) && nextIs(text[i:], r) {
				p2, p1 = p1, r
				continue // a run of 3+ keeps one
			}
			p2, p1 = p1, r
			h = (h ^ uint64(r)) * h64Prime
			nr++
			if nr >= 3 {
				m.probePrefix(h, prev, nprev, rs, seen)
			}
		}
		if nr == 0 {
			continue
		}
		h = m.canon(h)
		m.probeExact(phraseKey(h), rs, seen)
		if nprev >= 1 {
			m.probeExact(phraseKey(prev[0], h), rs, seen)
		}
		if nprev >= 2 {
			m.probeExact(phraseKey(prev[1], prev[0], h), rs, seen)
		}
		if h == lastWord {
			same++
			if same == 2 {
				rs.repeats++
			}
		} else {
			same = 0
		}
		lastWord = h
		prev[1], prev[0] = prev[0], h
		nprev++
	}
}

func nextIs(s string, r rune) bool {
	n, _ := utf8.DecodeRuneInString(s)
	if n < utf8.RuneSelf && n >= 'A' && n <= 'Z' {
		n += 32
	}
	return n == r
}

// hitSet is the set of phrase keys a scan has counted; posts match few
// phrases, so a short array on the caller's stack beats a map (a slice
// over a stack array moved to the heap: one allocation per post).
type hitSet struct {
	n    int
	keys [16]uint64
	more []uint64 // past 16 distinct phrases (rare)
}

func (s *hitSet) add(k uint64) bool {
	for _, x := range s.keys[:s.n] {
		if x == k {
			return false
		}
	}
	for _, x := range s.more {
		if x == k {
			return false
		}
	}
	if s.n < len(s.keys) {
		s.keys[s.n] = k
		s.n++
	} else {
		s.more = append(s.more, k)
	}
	return true
}

// probeExact looks k up in the exact table, behind a bitset that rejects
// almost every word of a post without touching the map.
func (m *matcher) probeExact(k uint64, rs *ruleScores, seen *hitSet) {
	if m.exactBloom[(k>>6)&(1<<12-1)]&(1<<(k&63)) == 0 {
		return
	}
	m.probe(m.exact, k, rs, seen)
}

func (m *matcher) probePrefix(h uint64, prev [2]uint64, nprev int, rs *ruleScores, seen *hitSet) {
	if m.lastBloom[(h>>6)&(1<<6-1)]&(1<<(h&63)) == 0 {
		return // no prefix entry ends in this word prefix
	}
	k := phraseKey(h)
	if m.bloom[(k>>6)&(1<<10-1)]&(1<<(k&63)) != 0 {
		m.probe(m.prefix, k, rs, seen)
	}
	if nprev >= 1 {
		k = phraseKey(prev[0], h)
		if m.bloom[(k>>6)&(1<<10-1)]&(1<<(k&63)) != 0 {
			m.probe(m.prefix, k, rs, seen)
		}
	}
}

func (m *matcher) probe(table map[uint64][]hit, k uint64, rs *ruleScores, seen *hitSet) {
	hs, ok := table[k]
	if !ok || !seen.add(k) {
		return
	}
	for _, h := range hs {
		switch h.kind {
		case kindCategory:
			rs.cat[h.cat] += h.w
		case kindDistress:
			rs.distress += h.w
		case kindIncident:
			rs.incident += h.w
		case kindFigurative:
			rs.figurative += h.w
		case kindImmediacy:
			rs.immediacy += h.w
		case kindAfter:
			rs.after += h.w
		case kindCrime:
			rs.crime += h.w
		case kindChild:
			rs.child += h.w
		case kindMissing:
			rs.missing += h.w
		case kindWeakNow:
			rs.weakNow += h.w
		case kindHypothetical:
			rs.hypo += h.w
		case kindReport:
			rs.report += h.w
		case kindAtRisk:
			rs.atRisk += h.w
		case kindCategoryMore:
			rs.catMore[h.cat] += h.w
		case kindCategoryLess:
			rs.catMore[h.cat] -= h.w
		case kindConsumer:
			rs.consumer += h.w
		}
	}
}
