package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a query may be: a listening query is a sentence, not a
// document, and every limit keeps the matcher's cost per post bounded.
const (
	MaxQueryBytes = 2000
	maxDepth      = 16
	maxTerms      = 64
	maxNear       = 50
)

type tokKind int

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tNear   // n in tok.n
	tWord   // bare text in tok.text
	tPhrase // the quoted text, unescaped, in tok.text
	tTag    // hashtag body in tok.text
	tMention
	tField // tok.name, tok.op (":" or a comparison), tok.text (value), tok.quoted
)

type token struct {
	kind   tokKind
	pos    int // byte offset of the token in the query
	end    int
	text   string
	name   string
	op     string
	quoted bool
	n      int
}

// describe names a token for "found …" in errors.
func (t token) describe(src string) string {
	switch t.kind {
	case tEOF:
		return "the end of the query"
	case tLParen:
		return "'('"
	case tRParen:
		return "')'"
	}
	s := src[t.pos:t.end]
	if utf8.RuneCountInString(s) > 30 {
		rs := []rune(s)
		s = string(rs[:30]) + "…"
	}
	return strconv.Quote(s)
}

// Error is a parse error: where, what was expected and what was found.
type Error struct {
	Offset   int    `json:"offset"` // byte offset into the query
	Column   int    `json:"column"` // 1-based, in characters
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
	Message  string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("query: column %d: %s", e.Column, e.Message)
}

// InvalidField lets the web layer answer 422 naming the field.
func (e *Error) InvalidField() string { return "query" }

func errAt(src string, pos int, expected, found, format string, args ...any) *Error {
	if pos > len(src) {
		pos = len(src)
	}
	msg := fmt.Sprintf(format, args...)
	if msg == "" {
		msg = "expected " + expected + ", found " + found
	}
	return &Error{Offset: pos, Column: utf8.RuneCountInString(src[:pos]) + 1, Expected: expected, Found: found, Message: msg}
}

type lexer struct {
	src string
	pos int
}

// isSpace separates terms. Zero-width joiners are not spaces: Kannada
// words carry them, and folding drops them inside the word.
func isSpace(r rune) bool { return unicode.IsSpace(r) }

// isTagRune: the characters of a hashtag body or a handle's main part.
func isTagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

// isHandleRune adds the dots and hyphens of Bluesky and Mastodon handles.
func isHandleRune(r rune) bool { return isTagRune(r) || r == '.' || r == '-' }

// tagEnd returns the end of a hashtag (or handle, when handle is set)
// body starting at i in s. A handle's trailing dots and hyphens are
// punctuation, not part of it.
func tagEnd(s string, i int, handle bool) int {
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !(isTagRune(r) || handle && (r == '.' || r == '-')) {
			break
		}
		j += size
	}
	if handle {
		for j > i && (s[j-1] == '.' || s[j-1] == '-') {
			j--
		}
	}
	return j
}

func (l *lexer) next() (token, error) {
	s := l.src
	for l.pos < len(s) {
		r, size := utf8.DecodeRuneInString(s[l.pos:])
		if !isSpace(r) {
			break
		}
		l.pos += size
	}
	start := l.pos
	if start >= len(s) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	switch s[start] {
	case '(':
		l.pos++
		return token{kind: tLParen, pos: start, end: l.pos}, nil
	case ')':
		l.pos++
		return token{kind: tRParen, pos: start, end: l.pos}, nil
	case '"':
		text, end, err := l.quoted(start)
		if err != nil {
			return token{}, err
		}
		return token{kind: tPhrase, pos: start, end: end, text: text}, nil
	case '#', '@':
		handle := s[start] == '@'
		end := tagEnd(s, start+1, handle)
		kind, what := tTag, "a hashtag after '#'"
		if handle {
			kind, what = tMention, "a handle after '@'"
		}
		if end == start+1 {
			return token{}, errAt(s, start+1, what, l.foundAt(start+1), "")
		}
		l.pos = end
		if err := l.mustEndTerm(); err != nil {
			return token{}, err
		}
		return token{kind: kind, pos: start, end: end, text: s[start+1 : end]}, nil
	}
	// A field: ASCII letters, then ':' (or a comparison for urgency).
	j := start
	for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
		j++
	}
	if j > start && j < len(s) && (s[j] == ':' || s[j] == '<' || s[j] == '>' || s[j] == '=') {
		return l.field(start, j)
	}
	// A bare chunk: up to white space, a parenthesis or a quote.
	end := start
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if isSpace(r) || r == '(' || r == ')' || r == '"' {
			break
		}
		end += size
	}
	l.pos = end
	chunk := s[start:end]
	switch {
	case chunk == "AND":
		return token{kind: tAnd, pos: start, end: end}, nil
	case chunk == "OR":
		return token{kind: tOr, pos: start, end: end}, nil
	case chunk == "NOT":
		return token{kind: tNot, pos: start, end: end}, nil
	case chunk == "NEAR":
		return token{kind: tNear, pos: start, end: end, n: DefaultNear}, nil
	case strings.HasPrefix(chunk, "NEAR/"):
		n, err := strconv.Atoi(chunk[5:])
		if err != nil || n < 1 || n > maxNear {
			return token{}, errAt(s, start+5, fmt.Sprintf("a distance in words from 1 to %d after NEAR/", maxNear), strconv.Quote(chunk[5:]), "")
		}
		return token{kind: tNear, pos: start, end: end, n: n}, nil
	}
	return token{kind: tWord, pos: start, end: end, text: chunk}, nil
}

// DefaultNear is the distance of a NEAR written without /n.
const DefaultNear = 5

// quoted reads a double-quoted string at start (backslash escapes the
// next character) and returns its text and the offset after it.
func (l *lexer) quoted(start int) (string, int, error) {
	s := l.src
	var b strings.Builder
	for i := start + 1; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) {
				return "", 0, errAt(s, start, `a closing '"'`, "the end of the query", `this phrase has no closing '"'`)
			}
			r, size := utf8.DecodeRuneInString(s[i+1:])
			b.WriteRune(r)
			i += 1 + size
		case '"':
			l.pos = i + 1
			return b.String(), i + 1, nil
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, errAt(s, start, `a closing '"'`, "the end of the query", `this phrase has no closing '"'`)
}

// mustEndTerm: a hashtag or field value must be followed by white space,
// a parenthesis or the end, so "#tag!x" is refused rather than guessed.
func (l *lexer) mustEndTerm() error {
	if l.pos >= len(l.src) {
		return nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	if isSpace(r) || r == '(' || r == ')' {
		return nil
	}
	// Sentence punctuation after a tag or handle is harmless.
	end := l.pos
	for end < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[end:])
		if !strings.ContainsRune(",.;!?", r) {
			break
		}
		end += size
	}
	if end > l.pos {
		if end == len(l.src) {
			l.pos = end
			return nil
		}
		if r, _ := utf8.DecodeRuneInString(l.src[end:]); isSpace(r) || r == '(' || r == ')' {
			l.pos = end
			return nil
		}
	}
	return errAt(l.src, l.pos, "white space or ')' after the term", l.foundAt(l.pos), "")
}

func (l *lexer) foundAt(pos int) string {
	if pos >= len(l.src) {
		return "the end of the query"
	}
	r, _ := utf8.DecodeRuneInString(l.src[pos:])
	if isSpace(r) {
		return "white space"
	}
	return strconv.Quote(string(r))
}

// field reads name, its operator and its value (bare or quoted).
func (l *lexer) field(start, nameEnd int) (token, error) {
	s := l.src
	name := strings.ToLower(s[start:nameEnd])
	if !knownField(name) {
		return token{}, errAt(s, start, "a field ("+strings.Join(fieldNames, ", ")+")", strconv.Quote(s[start:nameEnd]),
			"unknown field %q: the fields are %s (to look for the text itself, put it in quotes)", s[start:nameEnd], strings.Join(fieldNames, ", "))
	}
	i := nameEnd
	op := ":"
	if name == "urgency" {
		for _, o := range []string{">=", "<=", ">", "<", "=", ":"} {
			if strings.HasPrefix(s[i:], o) {
				op = o
				break
			}
		}
	} else if s[i] != ':' {
		return token{}, errAt(s, i, "':' after "+name, l.foundAt(i), "")
	}
	i += len(op)
	tok := token{kind: tField, pos: start, name: name, op: op}
	if i < len(s) && s[i] == '"' {
		text, end, err := l.quoted(i)
		if err != nil {
			return token{}, err
		}
		tok.text, tok.quoted = text, true
		i = end
		// near:"HSR Layout"~3km: the radius follows the quote.
		if name == "near" && i < len(s) && s[i] == '~' {
			j := i
			for j < len(s) && !isSpaceByte(s[j]) && s[j] != '(' && s[j] != ')' {
				j++
			}
			tok.text += s[i:j]
			i = j
		}
	} else {
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if isSpace(r) || r == '(' || r == ')' || r == '"' {
				break
			}
			j += size
		}
		tok.text = s[i:j]
		i = j
	}
	if tok.text == "" && !tok.quoted {
		return token{}, errAt(s, i, "a value after "+name+op, l.foundAt(i), "")
	}
	l.pos = i
	tok.end = i
	if err := l.mustEndTerm(); err != nil {
		return token{}, err
	}
	return tok, nil
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
