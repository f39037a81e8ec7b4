// Package query is the listening-query language of the watch floor: a
// boolean query over analysed posts, parsed with precise errors, compiled
// into a matcher that runs on every post the pipeline analyses, and
// translated into SQL that filters the stored history on both stores.
//
// # The language
//
//	chain snatching                 both words (AND is implied between terms)
//	"chain snatching"               the words next to each other, in this order
//	theft OR robbery                either
//	theft AND NOT bike              NOT excludes; parentheses group
//	snatch*                         a word beginning with snatch
//	fire NEAR/3 building            at most 3 words between them, either order (NEAR alone: 5)
//	#BengaluruRains  @blrcitypolice a hashtag, a mention written in the text
//	lang:kn  lang:kn-Latn           Kannada in any script; romanised Kannada only
//	platform:x                      x facebook instagram messenger whatsapp telegram mastodon bluesky rss webform import
//	near:Koramangala                a place of the post within 2 km of the named place (near:"HSR Layout"~3km)
//	station:"Adugodi PS"            the post's law-and-order or traffic station
//	category:theft  sentiment:negative  urgency>60  emergency:true  author:handle
//
// Words match in the matching form of the text (textnorm.Fold: NFC, case
// folded, zero-width characters removed) with the desk's spelling
// variants (plz = please, polis = police: normalize.Variants) on both
// sides. Kannada and Devanagari words match as prefixes, because both
// languages inflect by suffix (ಕೋರಮಂಗಲ finds ಕೋರಮಂಗಲದಲ್ಲಿ); a romanised
// word of five or more letters ending in a vowel also matches with a
// Kannada case ending (koramangala finds koramangaladalli). Words inside
// links and e-mail addresses do not count. Operators are upper case; a
// lower-case "or" is a word.
package query

import (
	"strconv"
	"strings"
)

// Node is one node of a parsed query.
type Node interface {
	// write appends the canonical form of the node; prec is the binding
	// strength of the context (parentheses are written when weaker).
	write(b *strings.Builder, prec int)
}

// Binding strengths, weakest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precNear
	precAtom
)

// Or matches when any of its terms does.
type Or struct{ Terms []Node }

// And matches when every one of its terms does.
type And struct{ Terms []Node }

// Not matches when X does not.
type Not struct{ X Node }

// Near matches when a match of Left and a match of Right have at most N
// words between them, in either order. Its operands are words, phrases, hashtags
// or mentions.
type Near struct {
	Left, Right Node
	N           int
}

// Word is one word in matching form. Prefix: the query wrote word*, or
// the word is in an Indic script (matched as a prefix in any case).
type Word struct {
	Text     string
	Wildcard bool // written with a trailing *
}

// Phrase is consecutive words.
type Phrase struct{ Words []Word }

// Hashtag matches a hashtag written in the post (folded, without '#').
type Hashtag struct{ Tag string }

// Mention matches an @handle written in the post (folded, without '@').
type Mention struct{ Handle string }

// Field is a test of one analysed or stored attribute of the post:
// lang, platform, station, category, sentiment, emergency or author.
type Field struct {
	Name  string
	Value string // canonical: station as named in the pack, others folded
}

// Urgency compares the post's urgency (0–100).
type Urgency struct {
	Op string // > >= < <= =
	N  int
}

// Place matches posts with a place within RadiusKm of a gazetteer place.
type Place struct {
	Name     string  // as the gazetteer names it
	Lat, Lon float64 // the place's point
	RadiusKm float64
}

func (o *Or) write(b *strings.Builder, prec int) { writeList(b, o.Terms, " OR ", precOr, prec) }
func (a *And) write(b *strings.Builder, prec int) {
	writeList(b, a.Terms, " AND ", precAnd, prec)
}

func writeList(b *strings.Builder, terms []Node, sep string, own, prec int) {
	if prec > own {
		b.WriteByte('(')
	}
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		t.write(b, own+1)
	}
	if prec > own {
		b.WriteByte(')')
	}
}

func (n *Not) write(b *strings.Builder, prec int) {
	if prec > precNot {
		b.WriteByte('(')
	}
	b.WriteString("NOT ")
	n.X.write(b, precNot)
	if prec > precNot {
		b.WriteByte(')')
	}
}

func (n *Near) write(b *strings.Builder, prec int) {
	if prec > precNear {
		b.WriteByte('(')
	}
	n.Left.write(b, precAtom)
	b.WriteString(" NEAR/")
	b.WriteString(strconv.Itoa(n.N))
	b.WriteByte(' ')
	n.Right.write(b, precAtom)
	if prec > precNear {
		b.WriteByte(')')
	}
}

func (w *Word) write(b *strings.Builder, _ int) {
	// A word that would read as an operator or a field is quoted.
	if needsQuote(w.Text) || isOperator(w.Text) {
		b.WriteString(quote(w.Text))
	} else {
		b.WriteString(w.Text)
	}
	if w.Wildcard {
		b.WriteByte('*')
	}
}

func (p *Phrase) write(b *strings.Builder, _ int) {
	parts := make([]string, len(p.Words))
	for i, w := range p.Words {
		parts[i] = w.Text
	}
	b.WriteString(quote(strings.Join(parts, " ")))
}

func (h *Hashtag) write(b *strings.Builder, _ int) { b.WriteString("#" + h.Tag) }
func (m *Mention) write(b *strings.Builder, _ int) { b.WriteString("@" + m.Handle) }

func (f *Field) write(b *strings.Builder, _ int) {
	b.WriteString(f.Name)
	b.WriteByte(':')
	if needsQuote(f.Value) || f.Value == "" {
		b.WriteString(quote(f.Value))
	} else {
		b.WriteString(f.Value)
	}
}

func (u *Urgency) write(b *strings.Builder, _ int) {
	b.WriteString("urgency")
	b.WriteString(u.Op)
	b.WriteString(strconv.Itoa(u.N))
}

func (p *Place) write(b *strings.Builder, _ int) {
	b.WriteString("near:")
	b.WriteString(quote(p.Name))
	if p.RadiusKm != DefaultRadiusKm {
		b.WriteByte('~')
		b.WriteString(strconv.FormatFloat(p.RadiusKm, 'f', -1, 64))
		b.WriteString("km")
	}
}

// needsQuote reports text that would not read back as one bare word.
func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '(', ')', '"', ':', '*', '#', '@', '<', '>', '=', '~', '\\':
			return true
		}
	}
	return false
}

func isOperator(s string) bool {
	switch s {
	case "AND", "OR", "NOT", "NEAR":
		return true
	}
	return strings.HasPrefix(s, "NEAR/")
}

// quote writes s between double quotes, escaping quotes and backslashes.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
