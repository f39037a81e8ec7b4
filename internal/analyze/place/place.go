// Package place finds localities in a post and resolves them through the
// jurisdiction pack to a ward, law-and-order station and traffic station.
//
// The gazetteer is built once from the pack (stations, traffic stations,
// GBA wards, BBMP wards, GBA divisions, pincodes, villages, assembly
// constituencies) plus a short hand-curated list of landmarks and
// nicknames (aliases.go). Names are matched as token sequences through a
// trie over spelling-tolerant token keys (see skeleton), so matching costs
// one map lookup per word of the post, not one test per place. Kannada
// words are matched after stripping case endings; long Latin words that
// match nothing are retried against a one-edit deletion index.
package place

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/geo"
	"github.com/kaval-desk/kaval/internal/post"
)

// Layer ranks: when one name is both a station and a village, the
// station's reading wins; the rank also sets the base confidence.
const (
	rankStation = iota
	rankAlias
	rankWard
	rankTraffic
	rankDivision
	rankBBMPWard
	rankLandmark // metro stations, points of interest, circles, post offices
	rankPincode
	rankAssembly
	rankVillage
	rankArea // a school's locality (many points per name)
)

var baseConfidence = [...]float64{0.9, 0.88, 0.85, 0.85, 0.8, 0.8, 0.8, 0.75, 0.6, 0.7, 0.7}

// entry is one resolvable place.
type entry struct {
	name          string
	rank          int
	lat, lon      float64
	ward, station string
	traffic       string
	common        bool // every word is an everyday English word: needs context
	clash         bool // the evidence for this name is split between stations
	stationEntry  bool // the name of a station itself
	layer         string
	shares        []geo.Share         // an area's parts in each station (from the pack)
	alts          []post.StationShare // plausible stations when the evidence is split (resolve)
	altPts        []int32             // per alt, the best-ranked point of the evidence in that station, or -1
}

// Gazetteer is the compiled matcher. Safe for concurrent use.
type Gazetteer struct {
	pack    *geo.Pack
	entries []entry
	vocab   map[string]int32 // token key -> token id
	next    map[uint64]int32 // (node<<32 | token id) -> child node
	final   []int32          // node -> entry index, -1 if none
	dels    map[string]int32 // one-deletion variants of long vocabulary keys -> token id (-1: ambiguous)
	pins    map[string]int32 // "560034" -> entry
	// stationHandles: a station's name as letters and digits, skeleton
	// key ("koramangala", "hsrlayout") -> its entry, for @KoramangalaPS.
	stationHandles map[string]int32
	prefix3        prefixSet // first three key bytes of long Latin vocabulary words: gate for the fuzzy path
	pool           sync.Pool

	// Bloom filters in front of vocab and dels: most words of a post
	// are in neither, and a bit test in a few kilobytes is cheaper than
	// a probe into a map of a megabyte.
	vocabSet, delSet keySet
}

// keySet is a Bloom filter over keys with two bits per key, both in the
// same 64-bit word so a test costs one memory access (the filter over
// the deletion index is larger than the first-level cache). has may say
// yes for a key never added (a few in 100 at the sizes used), never no
// for one that was: callers confirm in the map.
type keySet []uint64

func newKeySet(n int) keySet {
	words := 1
	for words*64 < n*16 {
		words *= 2
	}
	return make(keySet, words)
}

func (s keySet) add(h uint64) {
	s[h&uint64(len(s)-1)] |= 1<<(h>>58) | 1<<(h>>52&63)
}

func (s keySet) has(h uint64) bool {
	m := uint64(1)<<(h>>58) | 1<<(h>>52&63)
	return s[h&uint64(len(s)-1)]&m == m
}

// keyHash hashes a key a word at a time (most keys are under 16 bytes)
// and mixes the result, so both the low bits (the word) and the top
// bits (the two bits in it) are usable.
func keyHash(k []byte) uint64 {
	h := uint64(len(k)) * 0x9e3779b97f4a7c15
	for len(k) > 8 {
		h = (h ^ binary.LittleEndian.Uint64(k)) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
		k = k[8:]
	}
	// The last 1–8 bytes, read as two overlapping halves or three bytes
	// (with the length in h this names the bytes exactly).
	var t uint64
	switch n := len(k); {
	case n >= 4:
		t = uint64(binary.LittleEndian.Uint32(k)) | uint64(binary.LittleEndian.Uint32(k[n-4:]))<<32
	case n > 0:
		t = uint64(k[0])<<16 | uint64(k[n>>1])<<8 | uint64(k[n-1])
	}
	h = (h ^ t) * 0x94d049bb133111eb
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>32
}

type scratch struct {
	toks  []token
	buf   []byte
	ids   []int32
	fuzzy []bool
	tmp   []byte
	ents  []int32 // entry of each place findText appended
}

var (
	defOnce sync.Once
	defGaz  *Gazetteer
	defErr  error
)

// Default returns the gazetteer of the embedded Bengaluru pack.
func Default() (*Gazetteer, error) {
	defOnce.Do(func() {
		p, err := geo.Default()
		if err != nil {
			defErr = err
			return
		}
		defGaz, defErr = New(p)
	})
	return defGaz, defErr
}

// New builds a gazetteer over a pack.
func New(p *geo.Pack) (*Gazetteer, error) { return NewWithout(p, nil) }

// NewWithout builds a gazetteer over a pack without the named layers.
func NewWithout(p *geo.Pack, skip SkipLayers) (*Gazetteer, error) {
	g := &Gazetteer{pack: p, vocab: map[string]int32{}, next: map[uint64]int32{}, final: []int32{-1},
		dels: map[string]int32{}, pins: map[string]int32{}, stationHandles: map[string]int32{}, prefix3: prefixSet{other: map[uint32]bool{}}}
	g.pool.New = func() any { return &scratch{toks: make([]token, 0, 64), buf: make([]byte, 0, 64)} }
	b := builder{g: g, byKey: map[string]int32{}, skip: skip, evidence: map[int32][]int32{},
		curatedWord: map[string]bool{}, otherWord: map[string]bool{}}
	if err := b.build(); err != nil {
		return nil, err
	}
	if len(g.entries) == 0 {
		return nil, errors.New("place: the pack has no places")
	}
	g.vocabSet = newKeySet(len(g.vocab))
	for k := range g.vocab {
		g.vocabSet.add(keyHash([]byte(k)))
	}
	g.delSet = newKeySet(len(g.dels))
	for k, id := range g.dels {
		if id >= 0 {
			g.delSet.add(keyHash([]byte(k)))
		}
	}
	return g, nil
}

// Find returns the places a post mentions, best first. lat/lon are the
// post's coordinates when the platform gave them; authorLocation is the
// author's stated location (weaker evidence).
func (g *Gazetteer) Find(text string, lat, lon *float64, authorLocation string) []post.Place {
	var out []post.Place
	out = g.findText(text, "text", 1, out)
	if lat != nil && lon != nil && !math.IsNaN(*lat) && !math.IsNaN(*lon) {
		l := g.pack.Locate(*lat, *lon)
		if l.Station != "" || l.Ward != "" || l.TrafficStation != "" {
			out = append(out, post.Place{Text: "", Ward: l.Ward, Station: l.Station, TrafficStation: l.TrafficStation,
				Lat: *lat, Lon: *lon, Confidence: 0.8, Source: "coordinates"})
		}
	}
	if authorLocation != "" && len(authorLocation) < 200 {
		n := len(out)
		out = g.findText(authorLocation, "author_location", 0.45, out)
		for i := n; i < len(out); i++ {
			out[i].Start, out[i].End = 0, 0
		}
	}
	if len(out) > 1 {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	}
	return out
}

// context words that make an everyday-English place name a place:
// "near Victoria", "at Market".
var contextWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("near at in from to opp opposite behind around via towards toward beside outside inside nr @ off") {
		contextWords[keyOf(w)] = true
	}
}

// findText matches the gazetteer against text and appends places.
func (g *Gazetteer) findText(text, source string, scale float64, out []post.Place) []post.Place {
	if len(text) > 1<<16 {
		text = text[:1<<16]
		for len(text) > 0 && !utf8.ValidString(text[len(text)-3:]) {
			text = text[:len(text)-1]
		}
	}
	sc := g.pool.Get().(*scratch)
	n0 := len(out)
	sc.ents = sc.ents[:0]
	toks, buf := tokenize(text, sc.toks[:0], sc.buf)
	ids, fuzzy := sc.ids[:0], sc.fuzzy[:0]
	for i := range toks {
		f := false
		ids = append(ids, g.tokenID(text, &toks[i], &sc.tmp, &f))
		fuzzy = append(fuzzy, f)
	}
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		if t.digits && len(t.key) == 6 {
			if e, ok := g.pins[string(t.key)]; ok {
				out = g.emit(out, &sc.ents, text, e, t.start, t.end, 0.85*scale, source)
			}
			continue
		}
		if t.start > 0 && text[t.start-1] == '@' {
			// A handle names an account (@BBMP, @blrcitytraffic), not a
			// place the post is about; a hashtag (#Koramangala) can. A
			// station's own account (@KoramangalaPS) says which station
			// the post is written to: weaker evidence than a place the
			// text names.
			if e, end, ok := g.handleStation(text, t.start); ok {
				out = g.emit(out, &sc.ents, text, e, t.start-1, end, 0.6*scale, source)
			}
			// The whole handle is one name: "@bbmp_indiranagar" or
			// "@BBMP_Mahadevapura" is an account, and the words after its
			// underscores are no place either.
			hend := handleEnd(text, t.start)
			for i+1 < len(toks) && toks[i+1].start < hend {
				i++
			}
			continue
		}
		if ids[i] < 0 {
			continue
		}
		// Longest match in the trie from token i.
		node, best, bestEnd := int32(0), int32(-1), i
		anyFuzzy := false
		for j := i; j < len(toks) && ids[j] >= 0; j++ {
			nx, ok := g.next[uint64(node)<<32|uint64(uint32(ids[j]))]
			if !ok {
				break
			}
			node = nx
			if e := g.final[node]; e >= 0 {
				best, bestEnd = e, j
				anyFuzzy = anyFuzzy || fuzzy[j]
			}
		}
		if best < 0 {
			continue
		}
		e := &g.entries[best]
		if e.common && !g.hasContext(text, toks, i) {
			continue
		}
		if bestEnd == i && orgWords[string(t.key)] {
			continue // "BBMP", "BWSSB": the civic body, not a place
		}
		if bestEnd == i && genericWords[string(t.key)] && (i == 0 || !contextWords[string(toks[i-1].key)]) {
			continue // "Y G Palya": the end of a name the gazetteer lacks ("near Palya" is the village)
		}
		end := toks[bestEnd].end
		conf := baseConfidence[e.rank]
		if anyFuzzy {
			conf -= 0.2
		}
		if e.clash {
			conf -= 0.15
		}
		// Extend over "4th block", "sector 2", "jn", "police station".
		k := bestEnd + 1
		for k < len(toks) {
			n := extension(toks, k)
			if n == 0 {
				break
			}
			k += n
			end = toks[k-1].end
		}
		out = g.emit(out, &sc.ents, text, best, toks[i].start, end, conf*scale, source)
		i = bestEnd
	}
	if len(out)-n0 > 1 {
		g.coMention(out[n0:], sc.ents)
	}
	sc.toks, sc.buf, sc.ids, sc.fuzzy = toks[:0], buf, ids, fuzzy
	g.pool.Put(sc)
	return out
}

func (g *Gazetteer) emit(out []post.Place, ents *[]int32, text string, e int32, start, end int, conf float64, source string) []post.Place {
	en := &g.entries[e]
	*ents = append(*ents, e)
	for i := range out {
		if out[i].Station == en.station && out[i].Ward == en.ward && out[i].Source == source {
			*ents = (*ents)[:len(*ents)-1]
			return out // same resolution already reported
		}
	}
	return append(out, post.Place{Text: text[start:end], Start: start, End: end, Ward: en.ward, Station: en.station,
		TrafficStation: en.traffic, Lat: en.lat, Lon: en.lon, Confidence: math.Round(conf*100) / 100, Source: source,
		Stations: en.alts})
}

// hasContext: an ambiguous name counts when written with a capital and
// after a context word ("near Victoria"), or followed by a place word
// ("Market police station" is handled by extension()).
func (g *Gazetteer) hasContext(text string, toks []token, i int) bool {
	if !toks[i].upper {
		return false
	}
	if i > 0 && contextWords[string(toks[i-1].key)] {
		return true
	}
	if i+1 < len(toks) {
		k := string(toks[i+1].key)
		return k == "p" || k == "ps" || k == "polic"
	}
	return false
}

// tokenID maps a token to its vocabulary id, trying Kannada and Latin case
// endings and, for long Latin words, one-edit spelling variants.
func (g *Gazetteer) tokenID(text string, t *token, buf *[]byte, fuzzy *bool) int32 {
	if id, ok := g.lookup(g.vocab, g.vocabSet, t.key); ok {
		return id
	}
	if t.digits {
		return -1
	}
	if !t.latin {
		for _, s := range kannadaSuffixes {
			if len(t.key) > len(s.suf)+3 && string(t.key[len(t.key)-len(s.suf):]) == s.suf {
				stem := t.key[:len(t.key)-len(s.suf)]
				if id, ok := g.lookup(g.vocab, g.vocabSet, stem); ok {
					return id
				}
				if s.add != "" {
					b := append(append((*buf)[:0], stem...), s.add...)
					*buf = b
					if id, ok := g.lookup(g.vocab, g.vocabSet, b); ok {
						return id
					}
				}
			}
		}
		return -1
	}
	if len(t.key) < 6 || len(t.key) > 20 || !g.prefix3.has(t.key) || commonWords[string(t.key)] {
		return -1
	}
	w := text[t.start:t.end]
	for _, s := range latinSuffixes {
		if len(w) > len(s)+4 && strings.EqualFold(w[len(w)-len(s):], s) {
			if id, ok := g.vocab[keyOf(w[:len(w)-len(s)])]; ok {
				return id
			}
		}
	}
	// One-edit variants: the text has an extra letter (delete from text),
	// lacks one (text is a deletion of a vocabulary word), or has one
	// changed (both deleted at the same place).
	if id, ok := g.lookup(g.dels, g.delSet, t.key); ok && id >= 0 {
		*fuzzy = true
		return id
	}
	b := (*buf)[:0]
	for k := 1; k < len(t.key); k++ { // the first letter is rarely the typo
		b = append(b[:0], t.key[:k]...)
		b = append(b, t.key[k+1:]...)
		h := keyHash(b)
		if g.vocabSet.has(h) {
			if id, ok := g.vocab[string(b)]; ok {
				*buf = b
				*fuzzy = true
				return id
			}
		}
		if g.delSet.has(h) {
			if id, ok := g.dels[string(b)]; ok && id >= 0 {
				*buf = b
				*fuzzy = true
				return id
			}
		}
	}
	*buf = b
	return -1
}

// lookup is m[k] behind its Bloom filter.
func (g *Gazetteer) lookup(m map[string]int32, set keySet, k []byte) (int32, bool) {
	if !set.has(keyHash(k)) {
		return 0, false
	}
	id, ok := m[string(k)]
	return id, ok
}

// extension returns how many tokens from k continue a matched place as a
// sub-locality or landmark suffix ("5th block", "sector 2", "jn",
// "main road", "police station"), or 0.
func extension(toks []token, k int) int {
	t := toks[k].key
	if extWords[string(t)] {
		return 1
	}
	if (ordinal(toks[k]) || toks[k].digits) && k+1 < len(toks) && subWords[string(toks[k+1].key)] {
		return 2
	}
	if subWords[string(t)] && k+1 < len(toks) && (ordinal(toks[k+1]) || toks[k+1].digits || romanNumerals[string(toks[k+1].key)]) {
		return 2
	}
	return 0
}

func ordinal(t token) bool {
	k := t.key
	if len(k) < 2 || k[0] < '0' || k[0] > '9' {
		return false
	}
	i := 0
	for i < len(k) && k[i] >= '0' && k[i] <= '9' {
		i++
	}
	switch string(k[i:]) {
	case "st", "nd", "rd", "t", "d": // "4th" skeletonises to "4t", "2nd" to "2nd"
		return true
	}
	return false
}

var extWords, subWords, romanNumerals = map[string]bool{}, map[string]bool{}, map[string]bool{}

func init() {
	for _, w := range strings.Fields("junction jn jnc jct circle signal flyover bridge road rd main metro station bus stand stop depot lake market police ps layout nagar extension extn colony cross") {
		extWords[keyOf(w)] = true
	}
	for _, w := range strings.Fields("block stage phase sector cross main") {
		subWords[keyOf(w)] = true
	}
	for _, w := range strings.Fields("i ii iii iv v vi vii viii ix") {
		romanNumerals[w] = true
	}
}

func prefixKey(k []byte) uint32 { return uint32(k[0])<<16 | uint32(k[1])<<8 | uint32(k[2]) }

// prefixSet is a set of three-byte key prefixes: a bitmap over the 36³
// prefixes of letters a–z and digits (every Latin key's), a map for any
// other.
type prefixSet struct {
	bits  [(36*36*36 + 63) / 64]uint64
	other map[uint32]bool
}

// alnum36 numbers a–z and 0–9 from 0 to 35; other bytes are 255.
var alnum36 = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z':
			t[c] = uint8(c - 'a')
		case c >= '0' && c <= '9':
			t[c] = uint8(26 + c - '0')
		default:
			t[c] = 255
		}
	}
	return
}()

// index is the bitmap position of k's first three bytes, or -1 when one
// is not a–z or 0–9.
func (s *prefixSet) index(k []byte) int {
	a, b, c := alnum36[k[0]], alnum36[k[1]], alnum36[k[2]]
	if a|b|c == 255 { // any 255 makes the OR 255; 0–35 cannot

		return -1
	}
	return (int(a)*36+int(b))*36 + int(c)
}

func (s *prefixSet) add(k []byte) {
	if i := s.index(k); i >= 0 {
		s.bits[i>>6] |= 1 << (i & 63)
	} else {
		s.other[prefixKey(k)] = true
	}
}

func (s *prefixSet) has(k []byte) bool {
	if i := s.index(k); i >= 0 {
		return s.bits[i>>6]&(1<<(i&63)) != 0
	}
	return s.other[prefixKey(k)]
}

// handleSuffixes end a police station's account name.
var handleSuffixes = []string{"policestation", "police", "ps"}

// handleStation reads the handle starting at start (after its '@') and
// returns the station entry when it is a station's account: the station's
// name followed by "PS" or "Police" ("@KoramangalaPS", "@jayanagar_ps").
func (g *Gazetteer) handleStation(text string, start int) (int32, int, bool) {
	end := min(handleEnd(text, start), start+40)
	var buf [40]byte
	h := buf[:0]
	for i := start; i < end; i++ {
		if c := text[i]; c != '_' {
			h = append(h, c|0x20)
		}
	}
	for _, suf := range handleSuffixes {
		if len(h) > len(suf)+3 && string(h[len(h)-len(suf):]) == suf {
			if e, ok := g.stationHandles[keyOf(string(h[:len(h)-len(suf)]))]; ok {
				return e, end, true
			}
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// handleEnd returns the end of the handle whose name starts at start:
// letters, digits and underscores, as the platforms allow.
func handleEnd(text string, start int) int {
	end := start
	for end < len(text) {
		c := text[end]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			break
		}
		end++
	}
	return end
}
