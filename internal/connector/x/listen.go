package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

// Listening queries become filtered-stream rules, tagged
// "kaval:<channel>:q<query id>" so that a channel only ever touches its
// own query rules (the channel's configured query keeps its own tag,
// "kaval:<channel>", EnsureRules). The sync runs in the channel's Run,
// which the channel manager holds under a lease: one replica changes the
// rules, and a restart simply reconciles again (GET, then delete what is
// stale and add what is missing).

// DefaultRuleMax is the longest rule value X accepts on the Basic and Pro
// tiers (Enterprise: 2048); config listen_rule_max changes it.
const DefaultRuleMax = 512

// maxRulesPerQuery bounds how many rules one query may take: the rule
// cap is the app's, shared by every query and channel.
const maxRulesPerQuery = 10

func (c *Connector) queryTagPrefix() string { return c.ruleTag() + ":q" }

func (c *Connector) queryTag(id int64) string { return c.queryTagPrefix() + strconv.FormatInt(id, 10) }

// RuleValues writes a listening query's form as X rule values, each at
// most max characters (their OR is the form), and says how it relates
// to the query: query.ListenExact, ListenWidened (X is asked for more and
// the desk's matcher filters), ListenPartial (some words the desk
// matches as prefixes are asked as whole words), ListenUnsearchable (no
// rule: X would send everything, or it cannot be written in the limit),
// or ListenNever.
func RuleValues(f query.Form, max int) (values []string, state string, reasons []string) {
	reasons = slices.Clone(f.Reasons)
	switch {
	case f.Never:
		return nil, query.ListenNever, reasons
	case f.Root == nil:
		return nil, query.ListenUnsearchable, reasons
	}
	w := &ruleWriter{}
	var parts []query.Term
	if f.Root.Op == query.OpOr {
		parts = f.Root.Terms
	} else {
		parts = []query.Term{*f.Root}
	}
	// One rule for the whole OR when it fits, else its branches packed
	// into as few rules as fit.
	if v, ok := w.top(*f.Root); ok && len([]rune(v)) <= max {
		values = []string{v}
	} else {
		var cur string
		for _, p := range parts {
			v, ok := w.top(p)
			if ok && len([]rune(v)) > max {
				v, ok = w.shrink(p, max)
			}
			if !ok {
				return nil, query.ListenUnsearchable, reasons
			}
			switch {
			case cur == "":
				cur = v
			case len([]rune(cur))+4+len([]rune(v)) <= max:
				cur += " OR " + v
			default:
				values, cur = append(values, cur), v
			}
		}
		values = append(values, cur)
	}
	if len(values) > maxRulesPerQuery {
		return nil, query.ListenUnsearchable, reasons
	}
	if w.negDropped && !slices.Contains(reasons, query.WidenNegation) {
		reasons = append(reasons, query.WidenNegation)
	}
	if w.prefix && !slices.Contains(reasons, query.ReasonWholeWords) {
		reasons = append(reasons, query.ReasonWholeWords)
	}
	switch {
	case w.prefix:
		state = query.ListenPartial
	case f.Widened || w.negDropped:
		state = query.ListenWidened
	default:
		state = query.ListenExact
	}
	return values, state, reasons
}

type ruleWriter struct {
	prefix     bool // a prefix word was written whole
	negDropped bool // an exclusion X cannot take was dropped
}

// top writes t as a rule on its own; ok is false when X would refuse it
// or match everything (only exclusions).
func (w *ruleWriter) top(t query.Term) (string, bool) {
	if !positive(t) {
		return "", false
	}
	return w.write(t, true), true
}

// positive: t contains something to look for in every alternative.
func positive(t query.Term) bool {
	switch t.Op {
	case "":
		return true
	case query.OpNot:
		return false
	case query.OpOr:
		for _, x := range t.Terms {
			if !positive(x) {
				return false
			}
		}
		return true
	}
	for _, x := range t.Terms {
		if positive(x) {
			return true
		}
	}
	return false
}

func (w *ruleWriter) write(t query.Term, top bool) string {
	switch t.Op {
	case "":
		return w.atom(*t.Atom)
	case query.OpOr:
		parts := make([]string, len(t.Terms))
		for i, x := range t.Terms {
			parts[i] = w.write(x, false)
		}
		s := strings.Join(parts, " OR ")
		if !top {
			s = "(" + s + ")"
		}
		return s
	case query.OpNot:
		// Only inside an AND with a positive term (positive checked it).
		x := t.Terms[0]
		switch {
		case x.Op == "":
			return "-" + w.atom(*x.Atom)
		case x.Op == query.OpOr && allAtoms(x.Terms):
			parts := make([]string, len(x.Terms))
			for i, y := range x.Terms {
				parts[i] = "-" + w.atom(*y.Atom)
			}
			return strings.Join(parts, " ")
		}
		// X takes no negated groups: dropping the exclusion widens.
		w.negDropped = true
		return ""
	}
	var parts []string
	for _, x := range t.Terms {
		if s := w.write(x, false); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

func allAtoms(ts []query.Term) bool {
	for _, t := range ts {
		if t.Op != "" {
			return false
		}
	}
	return true
}

// atom writes one atom. X matches keywords as whole words, so a word
// the desk matches as a prefix is asked as written.
func (w *ruleWriter) atom(a query.Atom) string {
	if a.Prefix {
		w.prefix = true
	}
	switch a.Kind {
	case query.AtomPhrase:
		return `"` + a.Text + `"`
	case query.AtomHashtag:
		return "#" + a.Text
	case query.AtomMention:
		return "@" + a.Text
	case query.AtomAuthor:
		return "from:" + a.Text
	}
	if isOperatorWord(a.Text) {
		return `"` + a.Text + `"`
	}
	return a.Text
}

// isOperatorWord: a bare word X would read as an operator or that its
// rule syntax does not take unquoted.
func isOperatorWord(s string) bool {
	return strings.EqualFold(s, "or") || strings.EqualFold(s, "and") || strings.ContainsAny(s, `:"()-#@$`)
}

// shrink writes an AND too long for one rule by dropping exclusions,
// then its longest terms, while a term to look for remains: a wider rule
// the desk's matcher filters.
func (w *ruleWriter) shrink(t query.Term, max int) (string, bool) {
	if t.Op != query.OpAnd {
		return "", false
	}
	terms := slices.Clone(t.Terms)
	for {
		v, ok := w.top(query.Term{Op: query.OpAnd, Terms: terms})
		if ok && len([]rune(v)) <= max {
			return v, true
		}
		if len(terms) < 2 {
			return "", false
		}
		// Drop an exclusion first, else the longest term.
		drop := slices.IndexFunc(terms, func(x query.Term) bool { return x.Op == query.OpNot })
		if drop < 0 {
			drop = 0
			for i, x := range terms {
				if len(w.write(x, false)) > len(w.write(terms[drop], false)) {
					drop = i
				}
			}
		}
		terms = slices.Delete(terms, drop, drop+1)
		w.negDropped = true
	}
}

// rule is a stream rule as X lists it.
type rule struct {
	ID    string `json:"id"`
	Value string `json:"value"`
	Tag   string `json:"tag"`
}

// listRules reads every stream rule of the app, page by page.
func (c *Connector) listRules(ctx context.Context) ([]rule, error) {
	var out []rule
	token := ""
	for range 100 {
		q := url.Values{"max_results": {"1000"}}
		if token != "" {
			q.Set("pagination_token", token)
		}
		body, err := c.get(ctx, c.base, "/2/tweets/search/stream/rules", q, c.bearer)
		if err != nil {
			return nil, err
		}
		var page struct {
			Data []rule `json:"data"`
			Meta struct {
				NextToken string `json:"next_token"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, fmt.Errorf("x: unable to decode rules: %w", err)
		}
		out = append(out, page.Data...)
		if page.Meta.NextToken == "" || page.Meta.NextToken == token {
			break
		}
		token = page.Meta.NextToken
	}
	return out, nil
}

// SyncListening makes this channel's query rules those of the approved
// listening queries and reports the state of each. It returns a
// *connector.Error of class RateLimited (with RetryAfter) when X asked to
// wait; the queries not yet synced then report that error.
func (c *Connector) SyncListening(ctx context.Context) error {
	lq := c.deps.Listening
	if lq == nil {
		return nil
	}
	qs, err := lq.ListeningQueries(ctx)
	if err != nil {
		return err
	}
	reports := make([]query.ListenReport, 0, len(qs))
	if !c.modes["stream"] {
		for _, q := range qs {
			f := q.Query.ListenForm(post.X)
			reports = append(reports, query.ListenReport{QueryID: q.ID, Revision: q.Revision, State: query.ListenUnsupported, Reasons: f.Reasons})
		}
		return lq.ReportListening(ctx, c.ch.ID, post.X, reports)
	}
	max := c.ruleMax
	want := map[string][]string{} // tag → values
	idx := map[string]int{}       // tag → its report
	for _, q := range qs {
		values, state, reasons := RuleValues(q.Query.ListenForm(post.X), max)
		tag := c.queryTag(q.ID)
		idx[tag] = len(reports)
		reports = append(reports, query.ListenReport{QueryID: q.ID, Revision: q.Revision, State: state, Form: values, Reasons: reasons})
		if len(values) > 0 {
			want[tag] = values
		}
	}
	have, err := c.listRules(ctx)
	if err != nil {
		return c.reportFailure(ctx, reports, nil, err)
	}
	var stale []string
	present := map[string]map[string]bool{}
	for _, r := range have {
		if !strings.HasPrefix(r.Tag, c.queryTagPrefix()) {
			continue // another channel's, the channel query's, or not ours at all
		}
		if slices.Contains(want[r.Tag], r.Value) && !present[r.Tag][r.Value] {
			if present[r.Tag] == nil {
				present[r.Tag] = map[string]bool{}
			}
			present[r.Tag][r.Value] = true
			continue
		}
		stale = append(stale, r.ID)
	}
	done := map[string]bool{}
	if len(stale) > 0 {
		if _, err := c.changeRules(ctx, map[string]any{"delete": map[string]any{"ids": stale}}); err != nil {
			return c.reportFailure(ctx, reports, done, err)
		}
	}
	tags := make([]string, 0, len(want))
	for tag := range want {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	// One request per query, so X's refusal of one query's rule (invalid,
	// over the cap) is reported on that query and the others still go in.
	for _, tag := range tags {
		var add []map[string]string
		for _, v := range want[tag] {
			if !present[tag][v] {
				add = append(add, map[string]string{"value": v, "tag": tag})
			}
		}
		if len(add) == 0 {
			continue
		}
		refused, err := c.changeRules(ctx, map[string]any{"add": add})
		var ce *connector.Error
		if errors.As(err, &ce) && ce.Class != connector.RateLimited && ce.Status != 0 && ce.Status < 500 && ce.Status != http.StatusUnauthorized {
			refused, err = ce.Message, nil // this query's request, refused whole
		}
		if err != nil {
			return c.reportFailure(ctx, reports, done, err)
		}
		if refused != "" {
			r := &reports[idx[tag]]
			r.State, r.Error = query.ListenError, refused
		}
		done[tag] = true
	}
	c.health.Count("listen_syncs", 1)
	return lq.ReportListening(ctx, c.ch.ID, post.X, reports)
}

// reportFailure records err on every query not yet done and returns it.
func (c *Connector) reportFailure(ctx context.Context, reports []query.ListenReport, done map[string]bool, err error) error {
	msg := err.Error()
	var ce *connector.Error
	if errors.As(err, &ce) && ce.Class == connector.RateLimited {
		msg = "X rate limit: waiting " + ce.RetryAfter.Round(time.Second).String() + " (" + ce.Message + ")"
	}
	for i := range reports {
		r := &reports[i]
		if done[c.queryTag(r.QueryID)] || len(r.Form) == 0 {
			continue
		}
		r.State, r.Error = query.ListenError, msg
	}
	if rerr := c.deps.Listening.ReportListening(ctx, c.ch.ID, post.X, reports); rerr != nil && ctx.Err() == nil {
		c.logErr("x: listening state", rerr)
	}
	return err
}

// changeRules POSTs a rules change. refused is X's rule-level refusal
// (invalid-rules, rule-cap…: errors[] in a 2xx answer); err a failed
// request (a *connector.Error, RateLimited after a 429).
func (c *Connector) changeRules(ctx context.Context, payload any) (refused string, err error) {
	b, _ := json.Marshal(payload)
	resp, body, err := c.do(ctx, http.MethodPost, c.base+"/2/tweets/search/stream/rules", c.bearer, b)
	if err != nil {
		return "", &connector.Error{Class: conn.TransportClass(err), Platform: post.X, Message: "unable to change stream rules", Err: err}
	}
	c.noteRate("POST /2/tweets/search/stream/rules", resp.Header)
	if resp.StatusCode/100 != 2 {
		e := c.classify(resp, body)
		if re := ruleErrors(body); re != "" && e.Class == connector.Permanent {
			e.Message = re
		}
		return "", e
	}
	return ruleErrors(body), nil
}

// ruleErrors reads X's rule-level refusals (errors[] of invalid-rules,
// rule-cap, noncompliant-rules…, each naming the value and, for invalid
// rules, "details"), ignoring duplicate-rules (the rule is there).
func ruleErrors(body []byte) string {
	var r struct {
		Errors []json.RawMessage `json:"errors"`
	}
	_ = json.Unmarshal(body, &r)
	var msgs []string
	for _, raw := range r.Errors {
		p := readProblem(raw)
		if strings.HasSuffix(p.Type, "/duplicate-rules") {
			continue
		}
		var d struct {
			Details []string `json:"details"`
		}
		_ = json.Unmarshal(raw, &d)
		msg := p.String()
		if len(d.Details) > 0 {
			msg += ": " + strings.Join(d.Details, "; ")
		}
		msgs = append(msgs, msg)
	}
	return strings.Join(msgs, "; ")
}

// runListen keeps the query rules in step with the approved queries:
// every listen_interval, and at once after a refusal's wait. A failed
// sync is retried with backoff, or after X's rate-limit reset.
func (c *Connector) runListen(ctx context.Context) {
	conn.ListenLoop(ctx, c.listenEvery, c.httpBase, 64*c.httpBase, c.SyncListening,
		func(err error) { c.logErr("x: listening rules", err) })
}

// listeningKind: a post the stream sent only for query rules (not the
// channel's own query) is listening material, unless it speaks to us.
func (c *Connector) listeningKind(p *post.Post, tags []string) {
	if p.Kind != post.KindPost || len(tags) == 0 {
		return
	}
	for _, t := range tags {
		if !strings.HasPrefix(t, c.queryTagPrefix()) {
			return
		}
	}
	p.Kind = post.KindListening
}
