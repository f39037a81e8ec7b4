package query

import "strings"

// Form is a listening query reduced to what a platform's own search can
// look for: words, phrases, hashtags, handles and authors under AND, OR
// and NOT. It knows no platform's syntax; each connector writes it in its
// platform's form (X stream rules, Bluesky and Mastodon searches).
//
// A platform sees the post before the desk analyses it, so the analysed
// fields (category, sentiment, urgency, emergency, station, near:, lang:)
// cannot be searched for there: they are dropped, which widens the form
// to a superset of the query, and the desk's matcher, which runs on every
// post put on the desk, filters what the platform sends back down to the
// query. Widened says this happened and Reasons say why.
type Form struct {
	// Root is nil when nothing is left to search for (a query made of
	// analysed fields only, such as category:theft): listening on a
	// platform would then be its whole firehose, so it is not done.
	Root *Term `json:"root,omitempty"`
	// Never: the query names platforms (platform:) and not this one.
	Never   bool     `json:"never,omitempty"`
	Widened bool     `json:"widened,omitempty"`
	Reasons []string `json:"reasons,omitempty"` // Widen* codes, each once, in order met
	// Langs are the languages the query requires (lang:), as the desk's
	// analysis names them. Platforms label languages themselves, and
	// label romanised Kannada as English or not at all, so connectors do
	// not narrow by them; they are shown with the form.
	Langs []string `json:"langs,omitempty"`
}

// Why a Form is wider than its query.
const (
	WidenFields   = "fields"   // analysed fields dropped (category, sentiment, urgency, station, near, emergency)
	WidenLang     = "lang"     // lang: dropped (platforms detect languages otherwise)
	WidenNear     = "near"     // NEAR/n searched as AND
	WidenNegation = "negation" // an exclusion platforms cannot express was dropped
	WidenSearch   = "search"   // part the platform's search cannot take (words beside a hashtag, excluded words) is left to the desk
)

// Term is one node of a Form: an operator over terms, or an atom.
type Term struct {
	Op    string `json:"op,omitempty"` // OpAnd, OpOr, OpNot; "" for an atom
	Terms []Term `json:"terms,omitempty"`
	Atom  *Atom  `json:"atom,omitempty"`
}

// Operators of a Term.
const (
	OpAnd = "and"
	OpOr  = "or"
	OpNot = "not" // one term
)

// Atom is one thing a platform searches for.
type Atom struct {
	Kind string `json:"kind"` // AtomWord, AtomPhrase, AtomHashtag, AtomMention, AtomAuthor
	// Text is folded: a phrase's words joined by one space; a hashtag
	// without '#', a handle without '@'.
	Text string `json:"text"`
	// Prefix: the desk matches it as a prefix (word*, and Kannada and
	// Devanagari words, which inflect by suffix). Platforms match whole
	// words, so a platform searching the stem finds fewer posts than the
	// desk would.
	Prefix bool `json:"prefix,omitempty"`
}

// Atom kinds.
const (
	AtomWord    = "word"
	AtomPhrase  = "phrase"
	AtomHashtag = "hashtag"
	AtomMention = "mention" // @handle written in the post
	AtomAuthor  = "author"  // author: (the post's author)
)

// ListenForm returns the query's form for listening on platform (a
// post.* platform name).
func (q *Query) ListenForm(platform string) Form {
	f := Form{}
	w := &widener{platform: platform, f: &f}
	v := w.term(q.Root, true)
	switch v.val {
	case valFalse:
		f.Never = true
	case valTerm:
		t := v.t
		f.Root = &t
	}
	return f
}

// Value of a reduced node: always true (nothing to search for), never
// true, or a term.
const (
	valTrue = iota
	valFalse
	valTerm
)

type reduced struct {
	val int
	t   Term
}

type widener struct {
	platform string
	f        *Form
}

func (w *widener) widen(reason string) {
	w.f.Widened = true
	for _, r := range w.f.Reasons {
		if r == reason {
			return
		}
	}
	w.f.Reasons = append(w.f.Reasons, reason)
}

// term reduces n. pos is false under an odd number of NOTs: a node a
// platform cannot search for becomes true where it is asserted and false
// where it is excluded, so that, either way, dropping it only widens.
func (w *widener) term(n Node, pos bool) reduced {
	drop := func(reason string) reduced {
		w.widen(reason)
		if pos {
			return reduced{val: valTrue}
		}
		return reduced{val: valFalse}
	}
	atom := func(kind, text string, prefix bool) reduced {
		return reduced{val: valTerm, t: Term{Atom: &Atom{Kind: kind, Text: text, Prefix: prefix}}}
	}
	switch n := n.(type) {
	case *Word:
		return atom(AtomWord, n.Text, n.Wildcard || indic(n.Text))
	case *Phrase:
		words := make([]string, len(n.Words))
		prefix := false
		for i, x := range n.Words {
			words[i] = x.Text
			prefix = prefix || indic(x.Text)
		}
		return atom(AtomPhrase, strings.Join(words, " "), prefix)
	case *Hashtag:
		return atom(AtomHashtag, n.Tag, false)
	case *Mention:
		return atom(AtomMention, n.Handle, false)
	case *Field:
		switch n.Name {
		case "author":
			return atom(AtomAuthor, n.Value, false)
		case "platform":
			// Known exactly here, unlike the analysed fields.
			if n.Value == w.platform {
				return reduced{val: valTrue}
			}
			return reduced{val: valFalse}
		case "lang":
			if pos && !containsStr(w.f.Langs, n.Value) {
				w.f.Langs = append(w.f.Langs, n.Value)
			}
			return drop(WidenLang)
		}
		return drop(WidenFields)
	case *Urgency, *Place:
		return drop(WidenFields)
	case *Near:
		w.widen(WidenNear)
		return w.combine(OpAnd, []Node{n.Left, n.Right}, pos)
	case *Not:
		x := w.term(n.X, !pos)
		switch x.val {
		case valTrue:
			return reduced{val: valFalse}
		case valFalse:
			return reduced{val: valTrue}
		}
		return reduced{val: valTerm, t: Term{Op: OpNot, Terms: []Term{x.t}}}
	case *And:
		return w.combine(OpAnd, n.Terms, pos)
	case *Or:
		return w.combine(OpOr, n.Terms, pos)
	}
	return drop(WidenFields)
}

func (w *widener) combine(op string, nodes []Node, pos bool) reduced {
	var terms []Term
	for _, n := range nodes {
		r := w.term(n, pos)
		switch {
		case op == OpAnd && r.val == valFalse, op == OpOr && r.val == valTrue:
			return r
		case r.val == valTerm:
			if r.t.Op == op { // (a AND b) AND c is a AND b AND c
				terms = append(terms, r.t.Terms...)
			} else {
				terms = append(terms, r.t)
			}
		}
	}
	switch len(terms) {
	case 0:
		if op == OpAnd {
			return reduced{val: valTrue}
		}
		return reduced{val: valFalse}
	case 1:
		return reduced{val: valTerm, t: terms[0]}
	}
	return reduced{val: valTerm, t: Term{Op: op, Terms: terms}}
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Clause is one alternative of a Form in disjunctive normal form: every
// atom of All, and none of None.
type Clause struct {
	All  []Atom
	None []Atom
}

// Clauses returns the form as alternatives (their OR), for platforms
// whose search takes no OR or parentheses. An exclusion of more than one
// atom together (NOT (a AND b)) is dropped, widening; ok is false when
// there would be more than max clauses (the caller then widens or gives
// up), or when the form has no root.
func (f Form) Clauses(max int) (out []Clause, widened, ok bool) {
	if f.Root == nil {
		return nil, false, false
	}
	out, widened, ok = clauses(*f.Root, max)
	return out, widened, ok && len(out) > 0
}

func clauses(t Term, max int) ([]Clause, bool, bool) {
	switch t.Op {
	case "":
		return []Clause{{All: []Atom{*t.Atom}}}, false, true
	case OpNot:
		x := t.Terms[0]
		switch {
		case x.Op == "":
			return []Clause{{None: []Atom{*x.Atom}}}, false, true
		case x.Op == OpOr && allAtoms(x.Terms):
			var c Clause
			for _, y := range x.Terms {
				c.None = append(c.None, *y.Atom)
			}
			return []Clause{c}, false, true
		}
		return []Clause{{}}, true, true // dropped: the clause holds everything
	case OpOr:
		var out []Clause
		wide := false
		for _, x := range t.Terms {
			cs, w, ok := clauses(x, max)
			if !ok {
				return nil, false, false
			}
			out, wide = append(out, cs...), wide || w
			if len(out) > max {
				return nil, false, false
			}
		}
		return out, wide, true
	}
	out := []Clause{{}}
	wide := false
	for _, x := range t.Terms {
		cs, w, ok := clauses(x, max)
		if !ok || len(out)*len(cs) > max {
			return nil, false, false
		}
		wide = wide || w
		var next []Clause
		for _, a := range out {
			for _, b := range cs {
				next = append(next, Clause{All: append(append([]Atom{}, a.All...), b.All...),
					None: append(append([]Atom{}, a.None...), b.None...)})
			}
		}
		out = next
	}
	return out, wide, true
}

func allAtoms(ts []Term) bool {
	for _, t := range ts {
		if t.Op != "" {
			return false
		}
	}
	return true
}
