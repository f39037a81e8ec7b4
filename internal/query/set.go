package query

import (
	"math"
	"slices"
)

// Set is a compiled group of queries matched together on each post: the
// post's words are looked up once against every word of every query, and
// each query then evaluates its boolean tree over those hits. Safe for
// concurrent use once built; rebuild it when the queries change.
type Set struct {
	ids     []int64
	roots   []*cnode
	terms   []term
	exact   map[string][]int32 // key(word) → terms
	stems   map[string][]int32 // romanised stems that take Kannada endings
	prefix  map[string][]int32 // wildcard and Indic words
	lens    []int              // distinct byte lengths of prefix keys
	tags    map[string][]int32
	ments   map[string][]int32
	ords    bool // some term is used positionally (phrase, NEAR)
	nplaces int  // queries using near:
}

// term is one distinct word, hashtag or mention of the set.
type term struct {
	positional bool
}

type ckind uint8

const (
	cAnd ckind = iota
	cOr
	cNot
	cTerm   // word, hashtag or mention: t
	cPhrase // ts
	cNear   // kids[0], kids[1], n
	cField
	cUrgency
	cPlace
)

type cnode struct {
	kind  ckind
	kids  []*cnode
	t     int32
	ts    []int32
	n     int
	name  string
	value string
	place *Place
}

// Compile builds a set; ids[i] names qs[i] in Match's answers.
func Compile(ids []int64, qs []*Query) *Set {
	s := &Set{ids: slices.Clone(ids), exact: map[string][]int32{}, stems: map[string][]int32{},
		prefix: map[string][]int32{}, tags: map[string][]int32{}, ments: map[string][]int32{}}
	seen := map[string]int32{}
	intern := func(kind byte, text string, positional bool, add func(id int32)) int32 {
		k := string(kind) + text
		id, ok := seen[k]
		if !ok {
			id = int32(len(s.terms))
			seen[k] = id
			s.terms = append(s.terms, term{})
			add(id)
		}
		if positional {
			s.terms[id].positional = true
			s.ords = true
		}
		return id
	}
	word := func(w *Word, positional bool) int32 {
		kind := byte('w')
		if w.Wildcard {
			kind = '*'
		}
		return intern(kind, w.Text, positional, func(id int32) {
			switch {
			case w.Wildcard || indic(w.Text):
				if _, ok := s.prefix[w.Text]; !ok && !slices.Contains(s.lens, len(w.Text)) {
					s.lens = append(s.lens, len(w.Text))
				}
				s.prefix[w.Text] = append(s.prefix[w.Text], id)
			default:
				// Every spelling of the word's key leads to it, so a
				// post's word is one lookup.
				for _, sp := range spellings(key(w.Text)) {
					s.exact[sp] = append(s.exact[sp], id)
				}
				if romanisedStem(w.Text) {
					s.stems[w.Text] = append(s.stems[w.Text], id)
				}
			}
		})
	}
	var comp func(n Node, positional bool) *cnode
	comp = func(n Node, positional bool) *cnode {
		switch n := n.(type) {
		case *And:
			c := &cnode{kind: cAnd}
			for _, t := range n.Terms {
				c.kids = append(c.kids, comp(t, false))
			}
			return c
		case *Or:
			c := &cnode{kind: cOr}
			for _, t := range n.Terms {
				c.kids = append(c.kids, comp(t, false))
			}
			return c
		case *Not:
			return &cnode{kind: cNot, kids: []*cnode{comp(n.X, false)}}
		case *Near:
			return &cnode{kind: cNear, n: n.N, kids: []*cnode{comp(n.Left, true), comp(n.Right, true)}}
		case *Word:
			return &cnode{kind: cTerm, t: word(n, positional)}
		case *Phrase:
			c := &cnode{kind: cPhrase}
			for i := range n.Words {
				c.ts = append(c.ts, word(&n.Words[i], true))
			}
			return c
		case *Hashtag:
			return &cnode{kind: cTerm, t: intern('#', n.Tag, positional, func(id int32) { s.tags[n.Tag] = append(s.tags[n.Tag], id) })}
		case *Mention:
			return &cnode{kind: cTerm, t: intern('@', n.Handle, positional, func(id int32) { s.ments[n.Handle] = append(s.ments[n.Handle], id) })}
		case *Field:
			return &cnode{kind: cField, name: n.Name, value: n.Value}
		case *Urgency:
			return &cnode{kind: cUrgency, name: n.Op, n: n.N}
		case *Place:
			s.nplaces++
			return &cnode{kind: cPlace, place: n}
		}
		panic("query: unknown node")
	}
	for _, q := range qs {
		s.roots = append(s.roots, comp(q.Root, false))
	}
	return s
}

// Len is the number of queries in the set.
func (s *Set) Len() int { return len(s.roots) }

// UsesPlaces reports whether some query has near:, which needs the
// post's places (the analysis JSON) rather than its columns alone.
func (s *Set) UsesPlaces() bool { return s.nplaces > 0 }

// Match appends to out the ids of the queries d matches, in set order.
func (s *Set) Match(d *Doc, out []int64) []int64 {
	if len(s.roots) == 0 {
		return out
	}
	s.scan(d)
	for i, r := range s.roots {
		if s.eval(r, d) {
			out = append(out, s.ids[i])
		}
	}
	return out
}

// scan records which terms occur in d, and where when it matters.
func (s *Set) scan(d *Doc) {
	nw := (len(s.terms) + 63) / 64
	if cap(d.hits) < nw {
		d.hits = make([]uint64, nw)
	}
	d.hits = d.hits[:nw]
	clear(d.hits)
	if s.ords {
		if cap(d.pos) < len(s.terms) {
			d.pos = make([][]int32, len(s.terms))
		}
		d.pos = d.pos[:len(s.terms)]
		for i := range d.pos {
			d.pos[i] = d.pos[i][:0]
		}
	}
	hit := func(ids []int32, at int) {
		for _, id := range ids {
			d.hits[id>>6] |= 1 << (id & 63)
			if s.ords && s.terms[id].positional {
				d.pos[id] = append(d.pos[id], int32(at))
			}
		}
	}
	for i, sp := range d.words {
		w := d.buf[sp.start:sp.end]
		if ids, ok := s.exact[string(w)]; ok {
			hit(ids, i)
		}
		for _, l := range s.lens {
			if l <= len(w) {
				if ids, ok := s.prefix[string(w[:l])]; ok {
					hit(ids, i)
				}
			}
		}
		if len(s.stems) > 0 && len(w) > 5 && w[0] < 0x80 {
			for _, e := range kannadaEndings {
				if n := len(w) - len(e); n >= 5 && string(w[n:]) == e {
					if ids, ok := s.stems[string(w[:n])]; ok {
						hit(ids, i)
					}
				}
			}
		}
	}
	for _, t := range d.tags {
		if ids, ok := s.tags[string(d.buf[t.start:t.end])]; ok {
			hit(ids, int(t.word))
		}
	}
	for _, t := range d.mentions {
		if ids, ok := s.ments[string(d.buf[t.start:t.end])]; ok {
			hit(ids, int(t.word))
		}
	}
}

func (d *Doc) has(t int32) bool { return d.hits[t>>6]&(1<<(t&63)) != 0 }

func (s *Set) eval(c *cnode, d *Doc) bool {
	switch c.kind {
	case cAnd:
		for _, k := range c.kids {
			if !s.eval(k, d) {
				return false
			}
		}
		return true
	case cOr:
		for _, k := range c.kids {
			if s.eval(k, d) {
				return true
			}
		}
		return false
	case cNot:
		return !s.eval(c.kids[0], d)
	case cTerm:
		return d.has(c.t)
	case cPhrase:
		for _, t := range c.ts {
			if !d.has(t) {
				return false
			}
		}
		return len(phraseStarts(c.ts, d, nil)) > 0
	case cNear:
		a, b := c.kids[0], c.kids[1]
		if !s.eval(a, d) || !s.eval(b, d) {
			return false
		}
		for _, x := range spans(a, d) {
			for _, y := range spans(b, d) {
				gap := max(y[0]-x[1], x[0]-y[1])
				if gap >= 1 && gap-1 <= int32(c.n) { // at most n words between
					return true
				}
			}
		}
		return false
	case cField:
		return fieldMatches(c.name, c.value, d)
	case cUrgency:
		switch c.name {
		case ">":
			return d.urgency > c.n
		case ">=":
			return d.urgency >= c.n
		case "<":
			return d.urgency < c.n
		case "<=":
			return d.urgency <= c.n
		}
		return d.urgency == c.n
	case cPlace:
		for _, p := range d.places {
			if (p.Lat != 0 || p.Lon != 0) && distanceKm(p.Lat, p.Lon, c.place.Lat, c.place.Lon) <= c.place.RadiusKm {
				return true
			}
		}
		return false
	}
	return false
}

// phraseStarts appends the word indexes where the phrase ts begins.
func phraseStarts(ts []int32, d *Doc, out []int32) []int32 {
next:
	for _, p := range d.pos[ts[0]] {
		for k := 1; k < len(ts); k++ {
			if !slices.Contains(d.pos[ts[k]], p+int32(k)) {
				continue next
			}
		}
		out = append(out, p)
	}
	return out
}

// spans lists [first, last] word indexes of a positional operand's matches.
func spans(c *cnode, d *Doc) [][2]int32 {
	var out [][2]int32
	switch c.kind {
	case cTerm:
		for _, p := range d.pos[c.t] {
			out = append(out, [2]int32{p, p})
		}
	case cPhrase:
		for _, p := range phraseStarts(c.ts, d, nil) {
			out = append(out, [2]int32{p, p + int32(len(c.ts)) - 1})
		}
	}
	return out
}

func fieldMatches(name, v string, d *Doc) bool {
	switch name {
	case "lang":
		return d.lang == v || len(d.lang) > len(v) && d.lang[len(v)] == '-' && d.lang[:len(v)] == v
	case "platform":
		return d.platform == v
	case "category":
		return d.category == v
	case "sentiment":
		return d.sentiment == v
	case "station":
		return d.station == v || d.traffic == v
	case "emergency":
		return d.emergency == (v == "true")
	case "author":
		return d.author == v
	}
	return false
}

// distanceKm is the great-circle distance between two points.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(min(1, a)))
}

// Matches reports whether q matches d (a set of one, for the history
// filter's final check and for tests).
func (q *Query) Matches(d *Doc) bool {
	s := Compile([]int64{0}, []*Query{q})
	return len(s.Match(d, nil)) > 0
}
