package bskyfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// indexedPost is a post as the AppView's search index holds it.
type indexedPost struct {
	uri       string
	indexedAt time.Time
}

func (s *Server) indexLocked(uri string) {
	at := time.Now().UTC()
	if n := len(s.indexed); n > 0 && !at.After(s.indexed[n-1].indexedAt) {
		at = s.indexed[n-1].indexedAt.Add(time.Millisecond) // strictly increasing, as the tests expect order
	}
	s.indexed = append(s.indexed, indexedPost{uri: uri, indexedAt: at})
}

// searchPosts serves app.bsky.feed.searchPosts: posts whose text holds
// every word and "phrase" of q (#tag for a tag, from:handle, mentions:
// handle), sort=latest (newest first, the default here), since (an
// inclusive datetime) and until, limit 1–100 (default 25), an opaque
// cursor, no cursor on the last page, and hitsTotal. Post views carry
// author {did, handle, displayName}, record, indexedAt and counts; an
// author whose handle is unknown has the handle "handle.invalid", as the
// AppView writes it.
func (s *Server) searchPosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if strings.TrimSpace(q.Get("q")) == "" {
		xrpcErr(w, 400, "InvalidRequest", `Error: Params must have the property "q"`)
		return
	}
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			xrpcErr(w, 400, "InvalidRequest", "Error: limit must be between 1 and 100")
			return
		}
		limit = n
	}
	var since, until time.Time
	for _, p := range []struct {
		k   string
		dst *time.Time
	}{{"since", &since}, {"until", &until}} {
		if v := q.Get(p.k); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				xrpcErr(w, 400, "InvalidRequest", "Error: "+p.k+" must be a valid datetime")
				return
			}
			*p.dst = t
		}
	}
	terms, tags, from, mentions := parseSearch(q.Get("q"))
	offset, _ := strconv.Atoi(q.Get("cursor"))
	s.mu.Lock()
	var hits []map[string]any
	for i := len(s.indexed) - 1; i >= 0; i-- {
		ip := s.indexed[i]
		rec, ok := s.records[ip.uri]
		if !ok || !since.IsZero() && ip.indexedAt.Before(since) || !until.IsZero() && !ip.indexedAt.Before(until) {
			continue
		}
		var v struct {
			Text   string `json:"text"`
			Facets []struct {
				Features []struct {
					Type string `json:"$type"`
					Tag  string `json:"tag"`
					DID  string `json:"did"`
				} `json:"features"`
			} `json:"facets"`
		}
		_ = json.Unmarshal(rec.value, &v)
		a := s.accounts[rec.did]
		handle := "handle.invalid"
		if a != nil {
			handle = a.handle
		}
		if from != "" && from != handle && from != rec.did {
			continue
		}
		ws := searchWords(v.Text)
		ok = true
		for _, t := range terms {
			ok = ok && containsSeq(ws, t)
		}
		for _, tag := range tags {
			ok = ok && (slices.Contains(ws, "#"+tag) || slices.ContainsFunc(v.Facets, func(f struct {
				Features []struct {
					Type string `json:"$type"`
					Tag  string `json:"tag"`
					DID  string `json:"did"`
				} `json:"features"`
			}) bool {
				for _, ft := range f.Features {
					if strings.EqualFold(ft.Tag, tag) {
						return true
					}
				}
				return false
			}))
		}
		if mentions != "" {
			ok = ok && slices.Contains(ws, "@"+mentions)
		}
		if !ok {
			continue
		}
		author := map[string]any{"did": rec.did, "handle": handle}
		if a != nil {
			author["displayName"] = strings.SplitN(a.handle, ".", 2)[0]
		}
		hits = append(hits, map[string]any{"uri": ip.uri, "cid": rec.cid, "author": author, "record": rec.value,
			"indexedAt": ip.indexedAt.Format("2006-01-02T15:04:05.000Z"), "likeCount": rec.counts[0], "repostCount": rec.counts[1],
			"replyCount": rec.counts[2], "quoteCount": rec.counts[3], "labels": []any{}})
	}
	s.mu.Unlock()
	offset = min(max(offset, 0), len(hits))
	page := hits[offset:min(offset+limit, len(hits))]
	out := map[string]any{"posts": page, "hitsTotal": len(hits)}
	if page == nil {
		out["posts"] = []any{}
	}
	if offset+len(page) < len(hits) {
		out["cursor"] = strconv.Itoa(offset + len(page))
	}
	writeJSON(w, out)
}

// parseSearch reads the query subset the fake understands.
func parseSearch(q string) (terms [][]string, tags []string, from, mentions string) {
	for q = strings.TrimSpace(q); q != ""; q = strings.TrimSpace(q) {
		if q[0] == '"' {
			end := strings.IndexByte(q[1:], '"')
			if end < 0 {
				end = len(q) - 1
			}
			if ws := searchWords(q[1 : end+1]); len(ws) > 0 {
				terms = append(terms, ws)
			}
			q = q[min(end+2, len(q)):]
			continue
		}
		tok, rest, _ := strings.Cut(q, " ")
		q = rest
		switch {
		case strings.HasPrefix(tok, "from:"):
			from = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(tok, "from:"), "@"))
		case strings.HasPrefix(tok, "mentions:"):
			mentions = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(tok, "mentions:"), "@"))
		case strings.HasPrefix(tok, "#"):
			tags = append(tags, strings.ToLower(tok[1:]))
		default:
			if ws := searchWords(tok); len(ws) > 0 {
				terms = append(terms, ws)
			}
		}
	}
	return terms, tags, from, mentions
}

// searchWords lower-cases s into words, keeping a leading '#' or '@'.
func searchWords(s string) []string {
	var out []string
	for _, f := range strings.Fields(strings.ToLower(s)) {
		var b strings.Builder
		for i, r := range f {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '.' && b.Len() > 0 && strings.HasPrefix(b.String(), "@") || (r == '#' || r == '@') && i == 0 {
				b.WriteRune(r)
				continue
			}
			if b.Len() > 0 {
				out = append(out, strings.TrimRight(b.String(), "."))
				b.Reset()
			}
		}
		if b.Len() > 0 {
			out = append(out, strings.TrimRight(b.String(), "."))
		}
	}
	return out
}

func containsSeq(ws, t []string) bool {
	for i := 0; i+len(t) <= len(ws); i++ {
		if slices.Equal(ws[i:i+len(t)], t) {
			return true
		}
	}
	return false
}
