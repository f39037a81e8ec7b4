package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Query is a parsed, validated listening query.
type Query struct {
	Root Node
}

// String returns the canonical form: upper-case operators, explicit AND,
// parentheses only where precedence needs them, words folded, stations as
// the pack names them. Parsing it gives the same query back.
func (q *Query) String() string {
	var b strings.Builder
	q.Root.write(&b, 0)
	return b.String()
}

// Parse parses s with the embedded jurisdiction pack's places and stations.
func Parse(s string) (*Query, error) {
	env, err := DefaultEnv()
	if err != nil {
		return nil, err
	}
	return env.Parse(s)
}

// Parse parses s against the env's places and stations.
func (env *Env) Parse(s string) (*Query, error) {
	if len(s) > MaxQueryBytes {
		return nil, &Error{Offset: MaxQueryBytes, Column: utf8.RuneCountInString(s[:MaxQueryBytes]) + 1,
			Message: fmt.Sprintf("the query is longer than %d bytes", MaxQueryBytes)}
	}
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return nil, errAt(s, i, "text in UTF-8", "an invalid byte", "the query is not valid UTF-8")
	}
	p := &parser{env: env, lex: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errAt(s, 0, "a term", "an empty query", "the query is empty: write words, \"phrases\", #hashtags or fields such as category:theft")
	}
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		if p.tok.kind == tRParen {
			return nil, errAt(s, p.tok.pos, "a term, an operator or the end of the query", "')'", "this ')' closes no '('")
		}
		return nil, p.expected("an operator or the end of the query")
	}
	if !positive(root) {
		return nil, errAt(s, 0, "a term to look for", "only exclusions",
			"the query only excludes (NOT …): add something to look for, e.g. theft AND NOT bike")
	}
	return &Query{Root: root}, nil
}

type parser struct {
	env   *Env
	lex   lexer
	tok   token
	terms int
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

const termHint = `a term (a word, "phrase", #hashtag, @handle, field:value or '(')`

func (p *parser) expected(what string) *Error {
	return errAt(p.lex.src, p.tok.pos, what, p.tok.describe(p.lex.src), "")
}

// startsTerm: the token can begin an operand of AND (so juxtaposition is
// an implied AND).
func startsTerm(k tokKind) bool {
	switch k {
	case tLParen, tNot, tWord, tPhrase, tTag, tMention, tField:
		return true
	}
	return false
}

func (p *parser) or(depth int) (Node, error) {
	first, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	terms := []Node{first}
	for p.tok.kind == tOr {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !startsTerm(p.tok.kind) {
			return nil, p.expected(termHint + " after OR")
		}
		t, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	return flatten(terms, func(n Node) []Node {
		if o, ok := n.(*Or); ok {
			return o.Terms
		}
		return nil
	}, func(ts []Node) Node { return &Or{Terms: ts} }), nil
}

func (p *parser) and(depth int) (Node, error) {
	first, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	terms := []Node{first}
	for {
		if p.tok.kind == tAnd {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !startsTerm(p.tok.kind) {
				return nil, p.expected(termHint + " after AND")
			}
		} else if !startsTerm(p.tok.kind) {
			break
		}
		t, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	return flatten(terms, func(n Node) []Node {
		if a, ok := n.(*And); ok {
			return a.Terms
		}
		return nil
	}, func(ts []Node) Node { return &And{Terms: ts} }), nil
}

// flatten merges nested lists of the same operator, so (a AND b) AND c and
// a AND b AND c are one query with one canonical form.
func flatten(terms []Node, inner func(Node) []Node, mk func([]Node) Node) Node {
	if len(terms) == 1 {
		return terms[0]
	}
	var out []Node
	for _, t := range terms {
		if in := inner(t); in != nil {
			out = append(out, in...)
		} else {
			out = append(out, t)
		}
	}
	return mk(out)
}

func (p *parser) not(depth int) (Node, error) {
	if p.tok.kind != tNot {
		return p.near(depth)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if !startsTerm(p.tok.kind) {
		return nil, p.expected(termHint + " after NOT")
	}
	if depth+1 > maxDepth {
		return nil, errAt(p.lex.src, p.tok.pos, "", "", "the query nests more than %d levels deep", maxDepth)
	}
	x, err := p.not(depth + 1)
	if err != nil {
		return nil, err
	}
	if n, ok := x.(*Not); ok {
		return n.X, nil // NOT NOT x is x
	}
	return &Not{X: x}, nil
}

func (p *parser) near(depth int) (Node, error) {
	leftPos := p.tok.pos
	left, err := p.atom(depth)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tNear {
		return left, nil
	}
	op := p.tok
	if !positional(left) {
		return nil, errAt(p.lex.src, leftPos, "a word, \"phrase\", #hashtag or @handle before NEAR", p.lex.src[leftPos:op.pos],
			"NEAR joins words, phrases, hashtags or handles; the term before it is not one")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	rightPos := p.tok.pos
	if !startsTerm(p.tok.kind) {
		return nil, p.expected("a word, \"phrase\", #hashtag or @handle after NEAR")
	}
	right, err := p.atom(depth)
	if err != nil {
		return nil, err
	}
	if !positional(right) {
		return nil, errAt(p.lex.src, rightPos, "a word, \"phrase\", #hashtag or @handle after NEAR", p.lex.src[rightPos:p.tok.pos],
			"NEAR joins words, phrases, hashtags or handles; the term after it is not one")
	}
	if p.tok.kind == tNear {
		return nil, errAt(p.lex.src, p.tok.pos, "AND, OR, ')' or the end after a NEAR pair", p.tok.describe(p.lex.src),
			"NEAR joins two terms; to chain them write (a NEAR b) AND (b NEAR c)")
	}
	return &Near{Left: left, Right: right, N: op.n}, nil
}

// positional: the node matches at positions in the text, so NEAR can
// measure a distance.
func positional(n Node) bool {
	switch n.(type) {
	case *Word, *Phrase, *Hashtag, *Mention:
		return true
	}
	return false
}

func (p *parser) atom(depth int) (Node, error) {
	t := p.tok
	switch t.kind {
	case tLParen:
		if depth+1 > maxDepth {
			return nil, errAt(p.lex.src, t.pos, "", "", "the query nests more than %d levels deep", maxDepth)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !startsTerm(p.tok.kind) {
			return nil, p.expected(termHint + " after '('")
		}
		inner, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			if p.tok.kind == tEOF {
				return nil, errAt(p.lex.src, t.pos, "a closing ')'", "the end of the query", "this '(' is never closed")
			}
			return nil, p.expected("')' or an operator")
		}
		return inner, p.advance()
	case tWord, tPhrase, tTag, tMention, tField:
		p.terms++
		if p.terms > maxTerms {
			return nil, errAt(p.lex.src, t.pos, "", "", "the query has more than %d terms: split it into several queries", maxTerms)
		}
		n, err := p.term(t)
		if err != nil {
			return nil, err
		}
		return n, p.advance()
	}
	return nil, p.expected(termHint)
}

// term turns a lexed term into its node, validating fields.
func (p *parser) term(t token) (Node, error) {
	src := p.lex.src
	switch t.kind {
	case tWord:
		return wordNode(src, t)
	case tPhrase:
		words := splitWords(t.text)
		if len(words) == 0 {
			return nil, errAt(src, t.pos, "a phrase with a word in it", t.describe(src), "this phrase has no letters or digits")
		}
		if len(words) == 1 {
			return &Word{Text: words[0]}, nil
		}
		ws := make([]Word, len(words))
		for i, w := range words {
			ws[i] = Word{Text: w}
		}
		return &Phrase{Words: ws}, nil
	case tTag:
		return &Hashtag{Tag: foldTag(t.text)}, nil
	case tMention:
		return &Mention{Handle: foldTag(t.text)}, nil
	case tField:
		return p.env.field(src, t)
	}
	return nil, p.expected(termHint)
}

// wordNode reads a bare chunk: one word (optionally with a trailing *),
// or a phrase when folding splits it (e-mail, 10:30, ಕೋರಮಂಗಲ.).
func wordNode(src string, t token) (Node, error) {
	chunk := t.text
	wild := strings.HasSuffix(chunk, "*")
	if wild {
		chunk = chunk[:len(chunk)-1]
	}
	if i := strings.IndexByte(chunk, '*'); i >= 0 {
		return nil, errAt(src, t.pos+i, "a word with * only at its end", "'*'", "* stands for the end of a word and may only come last: write snatch*")
	}
	words := splitWords(chunk)
	switch {
	case len(words) == 0:
		return nil, errAt(src, t.pos, "a word", t.describe(src), "%s has no letters or digits to look for", t.describe(src))
	case wild && len(words) > 1:
		return nil, errAt(src, t.pos+len(chunk), "a single word before *", t.describe(src), "* applies to one word; %s is several", t.describe(src))
	case wild && utf8.RuneCountInString(words[0]) < 2:
		return nil, errAt(src, t.pos, "at least 2 letters before *", t.describe(src), "write at least 2 letters before *")
	case len(words) == 1:
		return &Word{Text: words[0], Wildcard: wild}, nil
	}
	ws := make([]Word, len(words))
	for i, w := range words {
		ws[i] = Word{Text: w}
	}
	return &Phrase{Words: ws}, nil
}

// positive reports whether n can match without every term being absent:
// a query must look for something, not only exclude.
func positive(n Node) bool {
	switch n := n.(type) {
	case *Not:
		return false
	case *And:
		for _, t := range n.Terms {
			if positive(t) {
				return true
			}
		}
		return false
	case *Or:
		for _, t := range n.Terms {
			if !positive(t) {
				return false
			}
		}
		return true
	}
	return true
}
