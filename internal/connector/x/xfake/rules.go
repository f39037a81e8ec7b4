package xfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Filtered-stream rules as X manages them: GET lists them (without a
// "data" member when there are none, paged by max_results and
// pagination_token), POST adds (201; errors[] for duplicate, invalid and
// over-the-cap rules, the valid ones created) or deletes by ids.
//
// The fake evaluates the rule subset the desk writes: keywords (whole
// words, case-insensitive), "exact phrases", #hashtags, @mentions,
// from:user, negation with '-', implicit AND, OR, and parentheses. Any
// other operator is refused as an invalid rule, as X refuses operators a
// tier lacks.

func (s *Server) serveRules(w http.ResponseWriter, r *http.Request) {
	if !s.auth(r, s.o.BearerToken) {
		writeProblem(w, 401, problem("Unauthorized", "Unauthorized", "about:blank", 401))
		return
	}
	now := s.o.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	if r.Method == "GET" {
		s.listRules(w, r, now)
		return
	}
	if r.Method != "POST" {
		writeProblem(w, 405, problem("Method Not Allowed", "", "about:blank", 405))
		return
	}
	var req struct {
		Add    []Rule `json:"add"`
		Delete *struct {
			IDs []string `json:"ids"`
		} `json:"delete"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || (req.Add == nil && req.Delete == nil) {
		writeJSON(w, 400, map[string]any{"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Delete != nil {
		del := map[string]bool{}
		for _, id := range req.Delete.IDs {
			del[id] = true
		}
		kept := s.rules[:0]
		n := 0
		for _, r := range s.rules {
			if del[r.ID] {
				n++
				continue
			}
			kept = append(kept, r)
		}
		s.rules = kept
		writeJSON(w, 200, map[string]any{"meta": map[string]any{"sent": now, "summary": map[string]int{"deleted": n, "not_deleted": len(req.Delete.IDs) - n}}})
		return
	}
	var created []Rule
	var errs []map[string]any
	invalid := 0
	for _, a := range req.Add {
		if _, err := parseRule(a.Value, s.o.RuleMaxLen); err != nil {
			invalid++
			errs = append(errs, map[string]any{"value": a.Value, "details": []string{err.Error()}, "title": "Invalid Rule",
				"type": "https://api.twitter.com/2/problems/invalid-rules"})
			continue
		}
		dup := false
		for _, r := range s.rules {
			if r.Value == a.Value {
				dup = true
				errs = append(errs, map[string]any{"value": a.Value, "id": r.ID, "title": "DuplicateRule", "type": "https://api.twitter.com/2/problems/duplicate-rules"})
			}
		}
		if dup {
			continue
		}
		if len(s.rules) >= s.o.RuleCap {
			errs = append(errs, map[string]any{"title": "RulesCapExceeded", "detail": fmt.Sprintf("Rule creation would exceed the rule cap (%d)", s.o.RuleCap),
				"type": "https://api.twitter.com/2/problems/rule-cap"})
			continue
		}
		s.ruleSeq++
		a.ID = strconv.Itoa(1829000000000000100 + s.ruleSeq)
		s.rules = append(s.rules, a)
		created = append(created, a)
	}
	resp := map[string]any{"meta": map[string]any{"sent": now, "summary": map[string]int{"created": len(created),
		"not_created": len(req.Add) - len(created), "valid": len(req.Add) - invalid, "invalid": invalid}}}
	if len(created) > 0 {
		resp["data"] = created
	}
	if len(errs) > 0 {
		resp["errors"] = errs
	}
	writeJSON(w, 201, resp)
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request, now string) {
	size := 1000
	if v := r.URL.Query().Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeJSON(w, 400, map[string]any{"errors": []map[string]any{{"parameters": map[string][]string{"max_results": {v}},
				"message": "The `max_results` query parameter value [" + v + "] is not between 1 and 1000"}},
				"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"})
			return
		}
		size = n
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("pagination_token"))
	s.mu.Lock()
	all := append([]Rule{}, s.rules...)
	s.mu.Unlock()
	from = min(max(from, 0), len(all))
	page := all[from:min(from+size, len(all))]
	meta := map[string]any{"sent": now, "result_count": len(page)}
	if from+len(page) < len(all) {
		meta["next_token"] = strconv.Itoa(from + len(page))
	}
	resp := map[string]any{"meta": meta}
	if len(page) > 0 { // X leaves data out, rather than empty, with no rules
		resp["data"] = page
	}
	writeJSON(w, 200, resp)
}

// StreamPost stores t and pushes it to every open stream connection with
// the rules it matches in matching_rules (X sends nothing for a post no
// rule matches); it returns how many connections got it. Pushing the same
// post twice is a duplicate delivery, as X may do.
func (s *Server) StreamPost(t Tweet) (Tweet, int) {
	s.mu.Lock()
	t = s.addLocked(t)
	var matched []map[string]string
	for _, r := range s.rules {
		if e, err := parseRule(r.Value, 1<<20); err == nil && e.match(s.ruleDoc(t)) {
			matched = append(matched, map[string]string{"id": r.ID, "tag": r.Tag})
		}
	}
	if len(matched) == 0 {
		s.mu.Unlock()
		return t, 0
	}
	msg := map[string]any{
		"data":           s.v2(t),
		"includes":       map[string]any{"users": []map[string]string{{"id": t.AuthorID, "username": t.Username, "name": t.Name}}},
		"matching_rules": matched,
	}
	s.mu.Unlock()
	b, _ := json.Marshal(msg)
	return t, s.StreamRaw(string(b))
}

// ruleDoc is a post as rules see it.
type ruleDoc struct {
	words []string // lower-cased words, in order; hashtags and mentions keep '#' / '@'
	from  string
}

func (s *Server) ruleDoc(t Tweet) ruleDoc {
	d := ruleDoc{from: strings.ToLower(t.Username)}
	text := strings.ToLower(t.Text)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !wordRune(r) && r != '#' && r != '@' {
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !wordRune(r) {
				break
			}
			j += size
		}
		d.words = append(d.words, text[i:j])
		i = j
	}
	return d
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

// ruleExpr is a parsed rule.
type ruleExpr struct {
	op    string // "and", "or", "not", "" (term)
	kids  []*ruleExpr
	words []string // a term: one word, a #tag, an @handle, or a phrase's words
	from  string
}

func (e *ruleExpr) match(d ruleDoc) bool {
	switch e.op {
	case "and":
		for _, k := range e.kids {
			if !k.match(d) {
				return false
			}
		}
		return true
	case "or":
		for _, k := range e.kids {
			if k.match(d) {
				return true
			}
		}
		return false
	case "not":
		return !e.kids[0].match(d)
	}
	if e.from != "" {
		return d.from == e.from
	}
	for i := 0; i+len(e.words) <= len(d.words); i++ {
		ok := true
		for j, w := range e.words {
			if d.words[i+j] != w {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

type ruleParser struct {
	toks []string
	i    int
}

// parseRule parses the rule subset the fake understands, refusing what X
// refuses: over-long values, unbalanced parentheses, unknown operators,
// and rules with nothing positive.
func parseRule(v string, maxLen int) (*ruleExpr, error) {
	if n := utf8.RuneCountInString(v); n > maxLen {
		return nil, fmt.Errorf("Rule length is %d, which exceeds the maximum of %d", n, maxLen)
	}
	toks, err := ruleTokens(v)
	if err != nil {
		return nil, err
	}
	p := &ruleParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("Unexpected %q", p.toks[p.i])
	}
	if !positiveRule(e) {
		return nil, fmt.Errorf("Rules must contain a non-negation term")
	}
	return e, nil
}

func positiveRule(e *ruleExpr) bool {
	switch e.op {
	case "not":
		return false
	case "or":
		for _, k := range e.kids {
			if !positiveRule(k) {
				return false
			}
		}
		return true
	case "and":
		for _, k := range e.kids {
			if positiveRule(k) {
				return true
			}
		}
		return false
	}
	return true
}

func ruleTokens(v string) ([]string, error) {
	var out []string
	for i := 0; i < len(v); {
		switch c := v[i]; {
		case c == ' ':
			i++
		case c == '(' || c == ')' || c == '-':
			out = append(out, string(c))
			i++
		case c == '"':
			j := strings.IndexByte(v[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("Unterminated quote")
			}
			out = append(out, v[i:i+j+2])
			i += j + 2
		default:
			j := i
			for j < len(v) && !strings.ContainsRune(" ()\"", rune(v[j])) {
				j++
			}
			out = append(out, v[i:j])
			i = j
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("Empty rule")
	}
	return out, nil
}

func (p *ruleParser) or() (*ruleExpr, error) {
	var kids []*ruleExpr
	for {
		e, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, e)
		if p.i < len(p.toks) && p.toks[p.i] == "OR" {
			p.i++
			continue
		}
		break
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return &ruleExpr{op: "or", kids: kids}, nil
}

func (p *ruleParser) and() (*ruleExpr, error) {
	var kids []*ruleExpr
	for p.i < len(p.toks) && p.toks[p.i] != ")" && p.toks[p.i] != "OR" {
		neg := false
		if p.toks[p.i] == "-" {
			neg = true
			p.i++
			if p.i >= len(p.toks) {
				return nil, fmt.Errorf("Dangling '-'")
			}
		}
		e, err := p.primary()
		if err != nil {
			return nil, err
		}
		if neg {
			if e.op != "" {
				return nil, fmt.Errorf("Negated groups are not supported: negate each operator")
			}
			e = &ruleExpr{op: "not", kids: []*ruleExpr{e}}
		}
		kids = append(kids, e)
	}
	switch len(kids) {
	case 0:
		return nil, fmt.Errorf("Ambiguous use of OR or an empty group")
	case 1:
		return kids[0], nil
	}
	return &ruleExpr{op: "and", kids: kids}, nil
}

func (p *ruleParser) primary() (*ruleExpr, error) {
	t := p.toks[p.i]
	p.i++
	switch {
	case t == "(":
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.toks) || p.toks[p.i] != ")" {
			return nil, fmt.Errorf("Unbalanced parentheses")
		}
		p.i++
		return e, nil
	case t == ")":
		return nil, fmt.Errorf("Unbalanced parentheses")
	case strings.HasPrefix(t, `"`):
		words := strings.Fields(strings.ToLower(strings.Trim(t, `"`)))
		if len(words) == 0 {
			return nil, fmt.Errorf("Empty phrase")
		}
		return &ruleExpr{words: words}, nil
	case strings.HasPrefix(t, "from:"):
		return &ruleExpr{from: strings.ToLower(strings.TrimPrefix(t, "from:"))}, nil
	case strings.Contains(t, ":"):
		return nil, fmt.Errorf("Reference to invalid operator '%s'", t[:strings.IndexByte(t, ':')])
	}
	return &ruleExpr{words: []string{strings.ToLower(t)}}, nil
}
