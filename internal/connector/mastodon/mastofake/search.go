package mastofake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/connector/mastodon"
)

// tagsMatch is the tag timeline's filter: the status carries tag, any of
// any[] (when given, as an alternative to tag), all of all[] and none of
// none[], case-insensitively, as GET /api/v1/timelines/tag/:hashtag does.
func tagsMatch(st mastodon.Status, tag string, q map[string][]string) bool {
	has := func(t string) bool {
		return slices.ContainsFunc(st.Tags, func(x mastodon.Tag) bool { return strings.EqualFold(x.Name, t) })
	}
	ok := has(tag) || slices.ContainsFunc(q["any[]"], has)
	for _, t := range q["all[]"] {
		ok = ok && has(t)
	}
	return ok && !slices.ContainsFunc(q["none[]"], has)
}

// AddStatus injects a public status with the given tags (none: an
// untagged status) without streaming it: it is served by the tag and
// public timelines and found by search. Returns its id.
func (s *Server) AddStatus(from mastodon.Account, html string, tags ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.newStatus(from, html, MentionOpts{})
	for _, t := range tags {
		st.Tags = append(st.Tags, mastodon.Tag{Name: t, URL: s.srv.URL + "/tags/" + t})
	}
	s.statuses[st.ID] = st
	s.timelineIDs = append(s.timelineIDs, st.ID)
	return st.ID
}

// search serves GET /api/v2/search?type=statuses: public statuses whose
// text holds every word and "phrase" of q (from:acct limits the author),
// newest first, limit ≤ 40, min_id / max_id bounds, no Link header, in
// the {"accounts","statuses","hashtags"} envelope. Mastodon only finds
// statuses it indexed (and, since 4.2, whose authors opted in); the fake
// finds every public status.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if t := q.Get("type"); t != "" && t != "statuses" && t != "accounts" && t != "hashtags" {
		apiErr(w, 422, "Validation failed: type is not included in the list")
		return
	}
	terms, from := searchTerms(q.Get("q"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	out := map[string]any{"accounts": []any{}, "statuses": []json.RawMessage{}, "hashtags": []any{}}
	if q.Get("type") != "statuses" && q.Get("type") != "" || len(terms) == 0 && from == "" {
		writeJSON(w, 200, out)
		return
	}
	s.mu.Lock()
	var found []json.RawMessage
	for i := len(s.timelineIDs) - 1; i >= 0 && len(found) < limit; i-- {
		id := s.timelineIDs[i]
		st, ok := s.statuses[id]
		if !ok || st.Visibility != "public" {
			continue
		}
		if v := q.Get("min_id"); v != "" && !less(v, id) {
			continue
		}
		if v := q.Get("max_id"); v != "" && !less(id, v) {
			continue
		}
		if from != "" && !strings.EqualFold(st.Account.Acct, from) {
			continue
		}
		if !hasTerms(conn.HTMLText(st.Content), terms) {
			continue
		}
		raw, _ := json.Marshal(st)
		found = append(found, raw)
	}
	s.mu.Unlock()
	if found != nil {
		out["statuses"] = found
	}
	writeJSON(w, 200, out)
}

// searchTerms splits q into words and "phrases" (each a word list) and a
// from: author.
func searchTerms(q string) (terms [][]string, from string) {
	for q = strings.TrimSpace(q); q != ""; q = strings.TrimSpace(q) {
		if q[0] == '"' {
			end := strings.IndexByte(q[1:], '"')
			if end < 0 {
				end = len(q) - 1
			}
			if ws := words(q[1 : end+1]); len(ws) > 0 {
				terms = append(terms, ws)
			}
			q = q[min(end+2, len(q)):]
			continue
		}
		tok, rest, _ := strings.Cut(q, " ")
		q = rest
		if a, ok := strings.CutPrefix(tok, "from:"); ok {
			from = strings.TrimPrefix(a, "@")
			continue
		}
		if ws := words(tok); len(ws) > 0 {
			terms = append(terms, ws)
		}
	}
	return terms, from
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
}

func hasTerms(text string, terms [][]string) bool {
	ws := words(text)
	for _, t := range terms {
		found := false
		for i := 0; i+len(t) <= len(ws) && !found; i++ {
			found = slices.Equal(ws[i:i+len(t)], t)
		}
		if !found {
			return false
		}
	}
	return true
}

// SetMentions sets the accounts status id mentions (its mentions[]).
func (s *Server) SetMentions(id string, accounts ...mastodon.Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statuses[id]
	if !ok {
		return
	}
	st.Mentions = nil
	for _, a := range accounts {
		st.Mentions = append(st.Mentions, mastodon.Mention{ID: a.ID, Username: a.Username, Acct: a.Acct, URL: a.URL})
	}
	s.statuses[id] = st
}
